"""Lexical side of retrieval: jieba tokens with a domain dictionary, and a persisted BM25."""
from __future__ import annotations

import logging
import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

USER_DICT = Path(__file__).parent / "data" / "userdict.txt"
# Words that carry no meaning for matching a question to a passage.
STOPWORDS = set("""
的 了 在 和 与 及 等 是 有 为 对 把 被 将 从 以 向 于 之 其 或 并 也 都 就 还 又 而 则 中 上 下 里 个 年 月
哪些 哪个 哪 什么 怎么 怎样 如何 多少 几 几个 吗 呢 吧 啊 呀 请问 请 问 要 做 会 能 可以 应该 需要 是否 有没有
几月 时候 多久 多长时间 哪里 哪儿 谁 什么样 怎么办 怎么样 什么时候 何时 哪天 哪月 哪几个 哪几 阴市 项
一下 一些 这个 那个 这些 那些 我们 我 你 你们 他们 今年 本 该 各 每 所 该项 工作 开展 进行 相关 情况 方面
""".split())
_TOKEN_OK = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]")


@lru_cache(maxsize=1)
def _jieba():
    import jieba
    jieba.setLogLevel(logging.WARNING)
    jieba.load_userdict(str(USER_DICT))
    return jieba


def _with_subwords(words: list[str]) -> list[str]:
    """Each word plus every dictionary word inside it (督学培训班 → 督学, 培训, 培训班, 督学培训),
    so a question's short word meets the passage's long one."""
    freq = _jieba().dt.FREQ
    out = []
    for w in words:
        n = len(w)
        if n > 2:
            for size in range(2, n):
                for i in range(0, n - size + 1):
                    sub = w[i:i + size]
                    if freq.get(sub):
                        out.append(sub)
        out.append(w)
    return out


def tokenize(norm_text: str) -> list[str]:
    """Tokens of an already-normalized text, for BM25: words and the dictionary words inside them."""
    out = []
    for tok in _with_subwords(_jieba().lcut(norm_text)):
        tok = tok.strip()
        if not tok or tok in STOPWORDS or not _TOKEN_OK.search(tok):
            continue
        out.append(tok)
    return out


class BM25:
    """Okapi BM25 over token lists; postings are built once and saved as JSON."""

    def __init__(self, postings: dict[str, list[list[int]]], doc_len: list[int], k1=1.2, b=0.75):
        self.postings = postings
        self.doc_len = np.asarray(doc_len, dtype=np.float32)
        self.n = len(doc_len)
        self.avgdl = float(self.doc_len.mean()) if self.n else 1.0
        self.k1, self.b = k1, b
        self.idf = {t: math.log(1 + (self.n - len(p) + 0.5) / (len(p) + 0.5))
                    for t, p in postings.items()}
        self._norm = k1 * (1 - b + b * self.doc_len / max(self.avgdl, 1e-9))

    @classmethod
    def build(cls, docs: list[list[str]]) -> "BM25":
        postings: dict[str, list[list[int]]] = {}
        for i, toks in enumerate(docs):
            tf: dict[str, int] = {}
            for t in toks:
                tf[t] = tf.get(t, 0) + 1
            for t, c in tf.items():
                postings.setdefault(t, []).append([i, c])
        return cls(postings, [len(d) for d in docs])

    def to_json(self) -> dict:
        return {"postings": self.postings, "doc_len": self.doc_len.astype(int).tolist()}

    @classmethod
    def from_json(cls, data: dict) -> "BM25":
        return cls(data["postings"], data["doc_len"])

    def scores(self, query: list[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        for t in set(query):
            plist = self.postings.get(t)
            if not plist:
                continue
            arr = np.asarray(plist, dtype=np.int64)
            ids, tf = arr[:, 0], arr[:, 1].astype(np.float32)
            out[ids] += self.idf[t] * tf * (self.k1 + 1) / (tf + self._norm[ids])
        return out

    def term_idf(self, term: str) -> float:
        return self.idf.get(term, 0.0)
