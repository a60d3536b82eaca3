"""Input-method typos (幼儿圆 → 幼儿园, 评古 → 评估, 挂牌都导 → 挂牌督导): a word of the question
that the index never uses is replaced by an indexed word that sounds the same and shares a
character with it. Pinyin comes from pypinyin's character table, loaded on first need.
"""
from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from functools import lru_cache

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    with _lock:
        from pypinyin.pinyin_dict import pinyin_dict
        return pinyin_dict


def _toneless(syllable: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(c))


def readings(ch: str) -> list[str]:
    """Toneless pinyin readings of one character (都 → dou, du)."""
    raw = _table().get(ord(ch), "")
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
        found = [w for w in found if w != window and sum(a == b for a, b in zip(w, window)) >= max(1, len(w) - 2)]
        if not found:
            return None
        return max(found, key=lambda w: (sum(a == b for a, b in zip(w, window)), self.weight.get(w, 0.0), w))

    def correct(self, text: str, known=None) -> str:
        """`text` with every unknown 2–4 character stretch that sounds like an indexed word
        replaced by it; stretches the index already knows are left alone."""
        known = known or self.vocab.__contains__
        out = text
        for run in _CJK_RUN.finditer(text):
            s = run.group(0)
            i = 0
            fixed = []
            while i < len(s):
                done = False
                for size in (4, 3, 2):
                    win = s[i:i + size]
                    if len(win) < size:
                        continue
                    if known(win):
                        fixed.append(win)
                        i += size
                        done = True
                        break
                    best = self._best(win)
                    if best:
                        fixed.append(best)
                        i += size
                        done = True
                        break
                if not done:
                    fixed.append(s[i])
                    i += 1
            new = "".join(fixed)
            if new != s:
                out = out.replace(s, new, 1)
        return out
