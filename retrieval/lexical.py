"""Lexical side of retrieval: jieba tokens with a domain dictionary, and a persisted BM25."""
from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

USER_DICT = Path(__file__).parent / "data" / "userdict.txt"
SYNONYMS = Path(__file__).parent / "data" / "synonyms.txt"
# Words that carry no meaning for matching a question to a passage.
STOPWORDS = set("""
的 了 在 和 与 及 等 是 有 为 对 把 被 将 从 以 向 于 之 其 或 并 也 都 就 还 又 而 则 中 上 下 里 个 年 月
哪些 哪个 哪 什么 怎么 怎样 如何 多少 几 几个 吗 呢 吧 啊 呀 请问 请 问 要 做 会 能 可以 应该 需要 是否 有没有
几月 时候 多久 多长时间 哪里 哪儿 谁 什么样 怎么办 怎么样 什么时候 何时 哪天 哪月 哪几个 哪几 阴市 项
一下 一些 这个 那个 这些 那些 我们 我 你 你们 他们 今年 本 该 各 每 所 该项 工作 开展 进行 相关 情况 方面
啥 咋 咋样 咋办 干啥 干嘛 搞 弄 几月份 月份 哪月 是不是 有没有 在不在 么 嘛 哈 呀 啊 咯 啦 哦 呗 那 那么 具体 一样
什么样 哪年 哪一年 几号 号 日 份 啥子 多会儿 去 来 让 给 跟 同 搞的 弄的 查 打算 准备 主要 都是
咋个 叫 啥样 啥样的 叫啥 是啥 咋回事 怎么回事 咋搞 咋弄 啥时候 啥时间 没有 没 分别 一天 哪一天 几天 干 出 出了 了没 过没 不 吗 么 呐 哪个 哪一个 谁先 哪里 在哪 在哪儿
""".split())
_TOKEN_OK = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]")


_dict_lock = threading.Lock()
_in_memory = False   # whether jieba holds the whole dictionary (else it reads the word store)


def load_dictionary(cache_dir: Path | None = None) -> None:
    """Make jieba ready before the first question: from the word store in `cache_dir` when it
    holds one for this dictionary (milliseconds), else loaded in full and stored there."""
    import jieba
    from . import wordstore
    if cache_dir is None:
        full_dictionary()
        return
    path = wordstore.store_path(cache_dir, jieba.__version__, USER_DICT)
    with _dict_lock:
        if isinstance(jieba.dt.FREQ, wordstore.StoredFreq):
            return
        stored = None if jieba.dt.initialized else wordstore.open_store(path)
        if stored is not None:
            jieba.setLogLevel(logging.WARNING)
            jieba.dt.FREQ, jieba.dt.total, jieba.dt.initialized = stored, stored.total, True
            return
    full_dictionary()
    if not path.is_file():
        try:
            wordstore.write_store(path, jieba.dt.FREQ, jieba.dt.total)
        except (OSError, sqlite3.Error) as exc:
            log.info("word store not written to %s: %s", path, exc)


def full_dictionary() -> None:
    """The whole dictionary in memory: what tokenizing a corpus needs (the store answers one
    question's words quickly, a corpus's millions of look-ups slowly)."""
    global _in_memory
    import jieba
    with _dict_lock:
        if _in_memory:
            return
        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        tokenizer.load_userdict(str(USER_DICT))
        # total first: a question tokenized meanwhile sees the store's equal total
        jieba.dt.total = tokenizer.total
        jieba.dt.FREQ = tokenizer.FREQ
        jieba.dt.initialized = True
        _in_memory = True


def _jieba():
    import jieba
    if not jieba.dt.initialized:
        full_dictionary()
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


@lru_cache(maxsize=1)
def synonym_table() -> dict[str, list[str]]:
    """Typed word → the words circulars use for it (retrieval/data/synonyms.txt)."""
    table: dict[str, list[str]] = {}
    for line in SYNONYMS.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        words = line.split()
        for w in words:
            table.setdefault(w, [])
            table[w] += [x for x in words if x != w and x not in table[w]]
    return table


def expand(tokens: list[str]) -> dict[str, list[list[str]]]:
    """Each question token's alternatives: its domain synonyms, each as the tokens a passage
    must all contain (作业负担 → 作业, 负担)."""
    table = synonym_table()
    out = {}
    for t in tokens:
        alts = []
        for word in table.get(t, []):
            parts = [p for p in _jieba().lcut(word) if p.strip() and p not in STOPWORDS]
            if parts:
                alts.append(parts)
            if len(parts) == 1 and len(word) >= 4:
                # a set phrase jieba keeps whole (减轻负担) also stands with words between its
                # parts in a passage (减轻学校负担)
                halves = [word[:len(word) // 2], word[len(word) // 2:]]
                if all(word_frequency(h) for h in halves):
                    alts.append(halves)
        out[t] = alts
    return out


def bm25_idf(n, df):
    """BM25's IDF of a term found in `df` of `n` passages (numbers or arrays)."""
    return np.log(1 + (n - df + 0.5) / (df + 0.5))


def word_frequency(word: str) -> int:
    """How often jieba's dictionary says a word occurs in general Chinese text (0: unknown)."""
    return int(_jieba().dt.FREQ.get(word) or 0)


def mentions(text: str, token: str, alts: dict[str, list[list[str]]]) -> bool:
    """Whether normalized `text` has the token, or every part of one of its synonyms."""
    return token in text or any(all(p in text for p in alt) for alt in alts.get(token, ()))


def tokenize(norm_text: str, known=None) -> list[str]:
    """Tokens of an already-normalized text, for BM25: words and the dictionary words inside them.
    With `known` (questions: whether the index uses a word), a word jieba guessed that the index
    does not use is cut again by the dictionary alone: in a short spoken question the guess glues
    a particle to a word (园要, 要选, 有开) and would weigh as much as the rarest word."""
    words = _jieba().lcut(norm_text)
    if known is not None:
        words = [p for w in words
                 for p in ([w] if len(w) < 2 or known(w) else _jieba().lcut(w, HMM=False))]
    out = []
    for tok in _with_subwords(words):
        tok = tok.strip()
        if not tok or tok in STOPWORDS or not _TOKEN_OK.search(tok):
            continue
        out.append(tok)
    return out


class BM25:
    """Okapi BM25 over token lists, held as a term × chunk CSR matrix of term frequencies.

    Saved as `bm25.npz` (numeric arrays, loaded without pickle) and `bm25_vocab.json`."""

    def __init__(self, vocab: list[str], indptr: np.ndarray, indices: np.ndarray, tfs: np.ndarray,
                 doc_len: np.ndarray, k1: float = 1.2, b: float = 0.75):
        self.vocab = vocab
        self.term_id = {t: i for i, t in enumerate(vocab)}
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.indices = np.asarray(indices, dtype=np.int32)
        self.tfs = np.asarray(tfs, dtype=np.float32)
        self.doc_len = np.asarray(doc_len, dtype=np.float32)
        self.n = len(self.doc_len)
        self.avgdl = float(self.doc_len.mean()) if self.n else 1.0
        self.k1, self.b = k1, b
        self.idf_arr = bm25_idf(self.n, np.diff(self.indptr).astype(np.float64))
        self._norm = (k1 * (1 - b + b * self.doc_len / max(self.avgdl, 1e-9))).astype(np.float32)

    @classmethod
    def build(cls, docs: list[list[str]]) -> "BM25":
        vocab: dict[str, int] = {}
        rows: list[list[tuple[int, int]]] = []
        for pos, toks in enumerate(docs):
            tf: dict[str, int] = {}
            for t in toks:
                tf[t] = tf.get(t, 0) + 1
            for t, c in tf.items():
                tid = vocab.setdefault(t, len(vocab))
                if tid == len(rows):
                    rows.append([])
                rows[tid].append((pos, c))
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(r) for r in rows])
        indices = np.fromiter((p for r in rows for p, _ in r), dtype=np.int32, count=int(indptr[-1]))
        tfs = np.fromiter((c for r in rows for _, c in r), dtype=np.float32, count=int(indptr[-1]))
        terms = [""] * len(vocab)
        for t, i in vocab.items():
            terms[i] = t
        return cls(terms, indptr, indices, tfs, np.array([len(d) for d in docs], dtype=np.float32))

    def save(self, folder: Path) -> None:
        np.savez(folder / "bm25.npz", indptr=self.indptr, indices=self.indices, tfs=self.tfs,
                 doc_len=self.doc_len)
        (folder / "bm25_vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> "BM25":
        vocab = json.loads((folder / "bm25_vocab.json").read_text("utf-8"))
        with np.load(folder / "bm25.npz", allow_pickle=False) as z:
            bm = cls(vocab, z["indptr"], z["indices"], z["tfs"], z["doc_len"])
        if len(bm.indptr) != len(vocab) + 1 or bm.indptr[-1] != len(bm.indices):
            raise ValueError("BM25 arrays do not match the vocabulary")
        return bm

    def _row(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        tid = self.term_id.get(term)
        if tid is None:
            return None
        a, b = self.indptr[tid], self.indptr[tid + 1]
        return self.indices[a:b], self.tfs[a:b]

    def scores(self, query: list[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        for t in set(query):
            row = self._row(t)
            if row is None:
                continue
            ids, tf = row
            out[ids] += self.idf_arr[self.term_id[t]] * tf * (self.k1 + 1) / (tf + self._norm[ids])
        return out

    def idf(self, term: str) -> float | None:
        tid = self.term_id.get(term)
        return None if tid is None else float(self.idf_arr[tid])

    @property
    def max_idf(self) -> float:
        return float(self.idf_arr.max()) if len(self.idf_arr) else 1.0

    def contains(self, term: str, pos: int) -> bool:
        """Whether chunk `pos` has the term (postings are sorted by chunk)."""
        row = self._row(term)
        if row is None:
            return False
        ids = row[0]
        i = int(np.searchsorted(ids, pos))
        return i < len(ids) and ids[i] == pos
