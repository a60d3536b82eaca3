"""Input-method typos (幼儿圆 → 幼儿园, 评古 → 评估, 挂牌都导 → 挂牌督导): a word of the question
that the index never uses is replaced by an indexed word that sounds the same and shares a
character with it. Pinyin comes from pypinyin's character table, loaded on first need.
"""
from __future__ import annotations

import importlib.util
import itertools
import json
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_lock = threading.Lock()
COMMON = 1000   # jieba dictionary frequency from which a word is taken as typed on purpose


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    """pypinyin's character table (code point → readings), read from its data file: importing
    the package would also load its phrase dictionary and segmenter, which typos never need."""
    with _lock:
        spec = importlib.util.find_spec("pypinyin")
        if spec is None or not spec.origin:
            raise ModuleNotFoundError("pypinyin")
        return json.loads((Path(spec.origin).parent / "pinyin_dict.json").read_text("utf-8"))


def _toneless(syllable: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(c))


def readings(ch: str) -> list[str]:
    """Toneless pinyin readings of one character (都 → dou, du)."""
    raw = _table().get(str(ord(ch)), "")
    return list(dict.fromkeys(_toneless(r) for r in raw.split(",") if r)) or [ch]


class Speller:
    """Corrects words against one index's vocabulary (words of 2–4 characters)."""

    def __init__(self, vocab: list[str], weight: dict[str, float] | None = None):
        self.vocab = {w for w in vocab if 2 <= len(w) <= 4 and _CJK_RUN.fullmatch(w)}
        self.weight = weight or {}
        self._by_sound: dict[str, list[str]] | None = None

    def _sounds(self) -> dict[str, list[str]]:
        if self._by_sound is None:
            table: dict[str, list[str]] = {}
            for w in self.vocab:
                for key in self._keys(w, limit=4):
                    table.setdefault(key, []).append(w)
            self._by_sound = table
        return self._by_sound

    @staticmethod
    def _keys(word: str, limit: int = 8) -> list[str]:
        options = [readings(ch) for ch in word]
        return [" ".join(p) for p in itertools.islice(itertools.product(*options), limit)]

    def _best(self, window: str) -> str | None:
        found = set()
        for key in self._keys(window):
            found.update(self._sounds().get(key, ()))
        found = [w for w in found if len(w) == len(window)
                 and sum(a != b for a, b in zip(w, window)) == 1]
        if not found:
            return None
        return max(found, key=lambda w: (sum(a == b for a, b in zip(w, window)), self.weight.get(w, 0.0), w))

    def correct(self, text: str, known=None) -> str:
        """`text` with each typo replaced: a stretch of 2–4 characters the index does not know
        and that holds no whole word the index knows, sounding like an indexed word that differs
        from it in one character — a character jieba could not place in a known word (幼儿圆 →
        幼儿园, 评古 → 评估, 挂牌都导 → 挂牌督导)."""
        from .lexical import _jieba
        known = known or self.vocab.__contains__
        out = []
        for piece in re.split(r"([\u4e00-\u9fff]+)", text):
            if not _CJK_RUN.fullmatch(piece):
                out.append(piece)
                continue
            spans, pos = [], 0
            for tok in _jieba().lcut(piece):
                spans.append((pos, pos + len(tok), tok))
                pos += len(tok)
            freq = _jieba().dt.FREQ
            placed = [False] * len(piece)   # inside a known word of 2+ characters
            starts, ends = {0}, {len(piece)}
            for a, b, tok in spans:
                starts.add(a)
                ends.add(b)
                if len(tok) >= 2 and (known(tok) or freq.get(tok, 0) >= COMMON):
                    placed[a:b] = [True] * (b - a)
            i, fixed = 0, []
            while i < len(piece):
                for size in (4, 3, 2):
                    win = piece[i:i + size]
                    if (len(win) < size or known(win) or freq.get(win, 0) >= COMMON
                            or self._holds_word(spans, i, i + size)):
                        continue  # a common word is typed on purpose (机关 is no typo of 有关)
                    if (placed[i] and i not in starts) or (placed[i + size - 1] and i + size not in ends):
                        continue  # never cut a known word in two
                    best = self._best(win)
                    if best and all(not placed[i + k] for k in range(size) if best[k] != win[k]):
                        fixed.append(best)
                        i += size
                        break
                else:
                    fixed.append(piece[i])
                    i += 1
            out.append("".join(fixed))
        return "".join(out)

    def _holds_word(self, spans, a: int, b: int) -> bool:
        """Whether [a, b) contains a whole word of 2+ characters the index knows."""
        return any(a <= s and e <= b and e - s >= 2 and tok in self.vocab for s, e, tok in spans)
