"""Text normalization: a display form (layout cleaned) and a search form (t2s, NFKC)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# CJK ideographs plus the full-width punctuation that surrounds them in circulars.
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2014\u2018-\u201d\u2026"
_SPACE = r"[ \u00a0\u3000]"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}]){_SPACE}+|{_SPACE}+(?=[{_CJK}])")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_MULTISPACE = re.compile(r"[ \u00a0]{2,}")
# One sentence (with its closing quotes or brackets), or the unterminated tail of a text.
SENTENCE = re.compile(r"[^。！？；]*[。！？；]+[”’」』）)]*|[^。！？；]+$")


def clean(text: str) -> str:
    """Display form: drop PDF spacing artefacts (`2021 年` → `2021年`) but keep every character."""
    text = _SPACE_NEAR_CJK.sub("", text)
    return _MULTISPACE.sub(" ", text).strip()


@lru_cache(maxsize=1)
def _t2s():
    import opencc
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC t2s)."""
    return _t2s().convert(text)


def normalize(text: str) -> str:
    """Search form: cleaned, simplified, full-width → half-width (NFKC), lower-case."""
    text = unicodedata.normalize("NFKC", clean(text))
    return to_simplified(text).lower()


def width(line: str) -> float:
    """Printed width of a line: a CJK character counts 1, an ASCII one 0.5."""
    return sum(1.0 if _CJK_CHAR.match(ch) else 0.5 for ch in line.strip())

