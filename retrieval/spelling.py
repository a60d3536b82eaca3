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
        need = 1 if len(window) == 2 else len(window) - 1
        found = [w for w in found if w != window and sum(a == b for a, b in zip(w, window)) >= need]
        if not found:
            return None
        return max(found, key=lambda w: (sum(a == b for a, b in zip(w, window)), self.weight.get(w, 0.0), w))

    def correct(self, text: str, known=None) -> str:
        """`text` with each typo replaced: a stretch of 2–4 characters that jieba cuts into pieces
        including a lone character or a word missing from its dictionary (幼儿圆, 评古, 都导), that
        the index does not know, and that sounds like an indexed word sharing a character."""
        from .lexical import _jieba
        known = known or self.vocab.__contains__
        out = []
        for piece in re.split(r"([\u4e00-\u9fff]+)", text):
            if not _CJK_RUN.fullmatch(piece):
                out.append(piece)
                continue
            toks = _jieba().lcut(piece)
            freq = _jieba().dt.FREQ
            i, fixed = 0, []
            while i < len(toks):
                done = False
                for n in (3, 2, 1):
                    group = toks[i:i + n]
                    win = "".join(group)
                    if len(group) < n or not 2 <= len(win) <= 4 or known(win):
                        continue
                    # a lone character, a word jieba made up for characters it does not know, or
                    # three or more characters (their sound-alike must then differ in one only)
                    if len(win) < 3 and not any(len(t) == 1 or not freq.get(t) for t in group):
                        continue
                    best = self._best(win)
                    if best:
                        fixed.append(best)
                        i += n
                        done = True
                        break
                if not done:
                    fixed.append(toks[i])
                    i += 1
            out.append("".join(fixed))
        return "".join(out)
