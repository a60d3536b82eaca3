"""Text normalization: a display form (layout cleaned) and a search form (t2s, NFKC)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# CJK ideographs plus the full-width punctuation that surrounds them in circulars.
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2014\u2018-\u201d\u2026"
_SPACE = r"[ \u00a0\u3000]"
# Whole runs of spaces, each looked at once: the old lookaround form
# `(?<=CJK)SPACE+|SPACE+(?=CJK)` retried every start inside a run, quadratic in its length.
_SPACE_RUN = re.compile(rf"{_SPACE}+")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_MULTISPACE = re.compile(r"[ \u00a0]{2,}")
# One sentence (with its closing quotes or brackets), or the unterminated tail of a text.
SENTENCE = re.compile(r"[^。！？；]*[。！？；]+[”’」』）)]*|[^。！？；]+$")


def _space_run(m: re.Match) -> str:
    """What remains of one run of spaces: nothing next to CJK. U+3000 counts as both a space and
    CJK, so a run holding one keeps only what the lookaround form kept (left-to-right matching)."""
    run, text, s, e = m.group(), m.string, m.start(), m.end()
    if (s and _CJK_CHAR.match(text[s - 1])) or (e < len(text) and _CJK_CHAR.match(text[e])):
        return ""
    last = run.rfind("\u3000")
    if last < 0:
        return run
    kept, i = [], 0
    while i < len(run):
        if i and run[i - 1] == "\u3000":
            break                    # a space after U+3000: this and the rest of the run go
        if last > i:
            i = last                 # spaces before the run's last U+3000 go
            continue
        kept.append(run[i])
        i += 1
    return "".join(kept)


def clean(text: str) -> str:
    """Display form: drop PDF spacing artefacts (`2021 年` → `2021年`) but keep every character.
    Linear in the text length, whatever runs of spaces it holds."""
    text = _SPACE_RUN.sub(_space_run, sanitize(text))
    return _MULTISPACE.sub(" ", text).strip()


def sanitize(text: str) -> str:
    """Text safe for OpenCC and UTF-8 output: lone surrogates (undecodable argv bytes, broken
    stdin) become U+FFFD instead of raising."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        # via UTF-16 so a stray pair of surrogates rejoins and a lone one becomes U+FFFD
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


@lru_cache(maxsize=1)
def _t2s():
    import opencc
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC t2s)."""
    return _t2s().convert(sanitize(text))


def normalize(text: str) -> str:
    """Search form: cleaned, simplified, full-width → half-width (NFKC), lower-case."""
    text = unicodedata.normalize("NFKC", clean(text))
    return to_simplified(text).lower()


def first_sentence(text: str) -> str:
    """A passage's opening sentence (which names a numbered item), or the whole text."""
    return re.match(r"[^。；！？]*[。；！？]?", text).group(0) or text


def width(line: str) -> float:
    """Printed width of a line: a CJK character counts 1, an ASCII one 0.5."""
    return sum(1.0 if _CJK_CHAR.match(ch) else 0.5 for ch in line.strip())

