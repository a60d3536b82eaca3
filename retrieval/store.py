"""The built index on disk: one directory per build, and a `current` link swapped atomically.

    index/current -> builds/<id>/{manifest.json, store.sqlite, vectors.faiss, bm25.npz, bm25_vocab.json}
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .errors import IndexCorruptError, IndexMissingError
from .lexical import BM25
from .models import Chunk, Document, ScheduleEntry

FORMAT_VERSION = 2
CURRENT = "current"
BUILDS = "builds"


@dataclass
class Manifest:
    embedder: str
    dim: int
    built_at: float
    seconds: float
    documents: int
    chunks: int
    schedule: int = 0
    embedded: int = 0        # chunks embedded in this build (the rest reused stored vectors)
    rejected: list[dict] = field(default_factory=list)
    parser: int = 0          # indexer.PARSER_VERSION of the build's parses
    version: int = FORMAT_VERSION


@dataclass
class Built:
    """Everything a reader needs, loaded in memory."""
    path: Path
    manifest: Manifest
    documents: dict[str, Document]
    chunks: list[Chunk]
    schedule: list[ScheduleEntry]
    vectors: object          # faiss index, ids = chunk position (flat, or HNSW for large corpora)
    bm25: BM25
    text_hashes: list[str]


def current_build(index_dir: Path) -> Path:
    """The directory `current` points at; IndexMissingError when there is none."""
    link = Path(index_dir) / CURRENT
    if not link.is_symlink() and not link.exists():
        raise IndexMissingError(f"{index_dir} 中还没有索引")
    if not link.is_symlink():
        raise IndexCorruptError(f"索引链接 {link} 不是链接（被替换成了文件或目录）")
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError) as exc:   # dangling, or a loop (RuntimeError before 3.13)
        raise IndexCorruptError(f"索引链接 {link} 指向不存在的目录") from exc
    if not target.is_dir():
        raise IndexCorruptError(f"索引链接 {link} 指向不存在的目录")
    return target


def new_build_dir(index_dir: Path) -> Path:
    """A fresh, empty directory for a build, next to the others (same filesystem)."""
    builds = Path(index_dir) / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = builds / f"{stamp}-{os.getpid()}-{time.monotonic_ns() % 1_000_000:06d}.tmp"
    path.mkdir()
    return path


def write_build(path: Path, manifest: Manifest, documents: list[Document], chunks: list[Chunk],
                schedule: list[ScheduleEntry], vectors: np.ndarray, bm25: BM25,
                text_hashes: list[str], tokens: list[list[str]],
                checkpoint=lambda stage: None) -> None:
    """Write every file of a build, each flushed to disk before the build can be published."""
    import faiss

    db = sqlite3.connect(path / "store.sqlite")
    try:
        db.executescript("""
            CREATE TABLE documents (doc_id TEXT PRIMARY KEY, data TEXT NOT NULL);
            CREATE TABLE chunks (pos INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, text_hash TEXT NOT NULL,
                                 data TEXT NOT NULL, tokens TEXT NOT NULL);
            CREATE TABLE schedule (pos INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, data TEXT NOT NULL);
        """)
        db.executemany("INSERT INTO documents VALUES (?, ?)",
                       [(d.doc_id, json.dumps(asdict(d), ensure_ascii=False)) for d in documents])
        db.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, ?)",
                       [(i, c.doc_id, text_hashes[i], json.dumps(asdict(c), ensure_ascii=False),
                         json.dumps(tokens[i], ensure_ascii=False))
                        for i, c in enumerate(chunks)])
        db.executemany("INSERT INTO schedule VALUES (?, ?, ?)",
                       [(i, s.doc_id, json.dumps(asdict(s), ensure_ascii=False))
                        for i, s in enumerate(schedule)])
        checkpoint("store")
        db.commit()
    finally:
        db.close()
    checkpoint("write")
    index = vector_index(manifest.dim, len(vectors))
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(path / "vectors.faiss"))
    _fsync_file(path / "vectors.faiss")
    bm25.save(path)
    _fsync_file(path / "bm25.npz")
    _fsync_file(path / "bm25_vocab.json")
    # the manifest is written last: a build without one is incomplete
    _write_json(path / "manifest.json", asdict(manifest))
    _fsync_dir(path)


# Exact search up to this many chunks, HNSW above (BENCHMARKS.md, bench/speed.py): on 2 cores
# flat costs ~6 ms at 100k and ~60 ms at 1M vectors, so the whole hybrid search keeps its 150 ms
# p95 budget to ~1.5M; HNSW M=32 with efSearch 256 finds 97% of the exact top 10 on real vectors.
HNSW_FROM = 1_500_000
HNSW_M = 32
HNSW_EF_SEARCH = 256


def vector_index(dim: int, n: int):
    """The FAISS index type for a corpus of n chunks: exact (flat) when small, HNSW when large."""
    import faiss
    if n < HNSW_FROM:
        return faiss.IndexFlatIP(dim)
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 80
    index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


def search_params(index, allowed_ids: np.ndarray | None):
    """Search parameters restricting a search to allowed chunk ids (None: all)."""
    import faiss
    if allowed_ids is None:
        return None
    sel = faiss.IDSelectorBatch(np.ascontiguousarray(allowed_ids, dtype=np.int64))
    if isinstance(index, faiss.IndexHNSWFlat):
        return faiss.SearchParametersHNSW(sel=sel, efSearch=HNSW_EF_SEARCH)
    return faiss.SearchParameters(sel=sel)


def publish(index_dir: Path, build: Path) -> Path:
    """Atomically point `current` at a finished build, then drop older builds."""
    index_dir = Path(index_dir)
    final = build.with_suffix("") if build.suffix == ".tmp" else build
    if final != build:
        os.rename(build, final)
    tmp_link = index_dir / f".{CURRENT}.{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(os.path.relpath(final, index_dir), tmp_link)
    current = index_dir / CURRENT
    if current.is_dir() and not current.is_symlink():
        # a real directory where the link belongs (store.load reported it as damaged):
        # rename cannot replace it, so move it among the builds, where cleanup drops it
        os.rename(current, Path(index_dir) / BUILDS / f"misplaced-current-{time.time_ns()}")
    os.replace(tmp_link, current)
    _fsync_dir(index_dir)
    cleanup(index_dir)
    return final


def cleanup(index_dir: Path) -> None:
    """Remove builds that `current` does not point at (finished readers hold theirs in memory)."""
    for tmp_link in Path(index_dir).glob(f".{CURRENT}.*"):
        if tmp_link.is_symlink() and not _pid_alive(tmp_link.name.rsplit(".", 1)[-1]):
            tmp_link.unlink(missing_ok=True)   # left by a process killed mid-publish
    builds = Path(index_dir) / BUILDS
    if not builds.is_dir():
        return
    try:
        keep = current_build(index_dir)
    except (IndexMissingError, IndexCorruptError):
        keep = None
    for child in builds.iterdir():
        if keep is not None and child.resolve() == keep:
            continue
        if child.suffix == ".tmp" and _fresh(child) and _owner_alive(child):
            continue  # another process's build in progress
        shutil.rmtree(child, ignore_errors=True)


def _owner_alive(path: Path) -> bool:
    """Whether the process that started a .tmp build (pid in its name) still runs."""
    parts = path.name.split("-")
    return len(parts) > 2 and _pid_alive(parts[2])


def _pid_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, OverflowError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _fresh(path: Path, seconds: float = 3600) -> bool:
    try:
        return time.time() - path.stat().st_mtime < seconds
    except OSError:
        return False


def load(index_dir: Path) -> Built:
    """Load the current build into memory; IndexCorruptError if any file is damaged."""
    import faiss

    path = current_build(index_dir)
    try:
        manifest = Manifest(**json.loads((path / "manifest.json").read_text("utf-8")))
        if manifest.version != FORMAT_VERSION:
            raise IndexCorruptError(f"索引格式版本 {manifest.version} 与程序不符，需要重建")
        db = sqlite3.connect(f"file:{path / 'store.sqlite'}?mode=ro", uri=True)
        try:
            docs = {}
            for doc_id, data in db.execute("SELECT doc_id, data FROM documents"):
                docs[doc_id] = Document(**json.loads(data))
            chunks, hashes = [], []
            for text_hash, data in db.execute("SELECT text_hash, data FROM chunks ORDER BY pos"):
                chunks.append(Chunk(**json.loads(data)))
                hashes.append(text_hash)
            schedule = [ScheduleEntry(**json.loads(data))
                        for (data,) in db.execute("SELECT data FROM schedule ORDER BY pos")]
        finally:
            db.close()
        vectors = faiss.read_index(str(path / "vectors.faiss"))
        bm25 = BM25.load(path)
    except IndexCorruptError:
        raise
    except (OSError, ValueError, TypeError, KeyError, EOFError, zipfile.BadZipFile, sqlite3.Error,
            RuntimeError) as exc:
        raise IndexCorruptError(f"索引文件损坏（{path.name}）：{exc}") from exc
    if vectors.ntotal != len(chunks) or bm25.n != len(chunks) or len(chunks) != manifest.chunks:
        raise IndexCorruptError(f"索引文件不一致（{path.name}）：向量 {vectors.ntotal}，段落 {len(chunks)}")
    if vectors.d != manifest.dim:
        raise IndexCorruptError(f"索引文件不一致（{path.name}）：向量维度 {vectors.d}，应为 {manifest.dim}")
    problem = _bm25_problem(bm25)
    if problem:
        raise IndexCorruptError(f"索引文件损坏（{path.name}）：BM25 {problem}")
    return Built(path, manifest, docs, chunks, schedule, vectors, bm25, hashes)


def _bm25_problem(bm25: BM25) -> str:
    """Why the BM25 arrays cannot be searched safely, or "" (checked once at load, so a damaged
    file fails here rather than in every question)."""
    indptr, indices = bm25.indptr, bm25.indices
    if len(indptr) != len(bm25.vocab) + 1 or (len(indptr) and indptr[0] != 0):
        return "词表与倒排表长度不符"
    if len(indptr) and (np.any(np.diff(indptr) < 0) or indptr[-1] != len(indices)
                        or len(bm25.tfs) != len(indices)):
        return "倒排表偏移错误"
    if len(indices) and (indices.min() < 0 or indices.max() >= bm25.n):
        return "段落编号越界"
    return ""


def load_tokens(path: Path) -> list[list[str]]:
    """The BM25 tokens of every chunk of a build, for reuse by the next reindex."""
    db = sqlite3.connect(f"file:{path / 'store.sqlite'}?mode=ro", uri=True)
    try:
        return [json.loads(t) for (t,) in db.execute("SELECT tokens FROM chunks ORDER BY pos")]
    finally:
        db.close()


def _write_json(path: Path, data) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
