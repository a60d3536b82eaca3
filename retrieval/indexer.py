"""Reindex: corpus files → documents → chunks (+ schedule) → vectors and BM25, published atomically."""
from __future__ import annotations

import fcntl
import hashlib
import logging
import shutil
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from . import meta, store
from .chunker import chunk_document, row_text, search_text
from .embedders import Embedder
from .errors import (EmptyCorpusError, IndexCorruptError, IndexMissingError, IndexWriteError,
                     ReindexBusyError, UnreadableFileError)
from .faults import fault
from .lexical import BM25, full_dictionary, tokenize
from .loaders import FORMATS, SUPPORTED, check_name, read_file, sha256_bytes
from .models import Chunk, Document
from .pageclean import clean_page
from .textnorm import normalize

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]   # (stage, done, total)
# Bump when parsing, chunking or schedule extraction changes: stored parses are then redone.
PARSER_VERSION = 25
MAX_PASSAGES = 3000   # passages of one file; the longest regulation here has a few hundred
EMBED_BATCH = 16  # small batches keep the embedder free for questions during a reindex


@dataclass
class ReindexReport:
    documents: int
    chunks: int
    schedule: int
    embedded: int
    reused: int
    seconds: float
    rejected: list[tuple[str, str]] = field(default_factory=list)
    build: str = ""
    dropped: dict[str, int] = field(default_factory=dict)  # file → lines of page furniture dropped
    unplaced: list[str] = field(default_factory=list)      # files whose region no line gives: 地区不详
    read: list["FileRead"] = field(default_factory=list)   # files read this time (new or changed)


@dataclass
class FileRead:
    """What was understood of a file a reindex read (not reused): as an upload's report says it."""
    file: str
    title: str
    region: str
    date: str
    chunks: int
    schedule: int


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Files an admin put in the corpus (hidden files and folders such as .removed are skipped)."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        return []
    return sorted(p for p in corpus_dir.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.name.lower() != "readme.md")


def _added_at(path: Path) -> tuple[float, str]:
    """Files in the order they were added, so the first copy of a circular is the one kept."""
    try:
        return (path.stat().st_mtime, path.name)
    except OSError:
        return (0.0, path.name)


def odd_entries(corpus_dir: Path) -> list[Path]:
    """Entries named like a circular that are not regular files (a folder called x.txt, a broken
    link): reported as rejected instead of passing unnoticed."""
    try:
        entries = list(Path(corpus_dir).iterdir())
    except OSError:
        return []
    return sorted(p for p in entries if not p.name.startswith(".") and p.suffix.lower() in SUPPORTED
                  and not p.is_file())


def load_document(path: Path) -> Document:
    """Read and understand one circular (text + metadata); UnreadableFileError if it cannot be."""
    text, fmt, digest = read_file(path)
    page = clean_page(text)
    doc = Document(doc_id=path.stem, path=path.name, sha256=digest, fmt=fmt, text=page.text,
                   dropped=page.dropped, pages=page.pages, page_lines=page.page_lines)
    return meta.extract(doc)


def check_passages(doc: Document, chunks: list[Chunk]) -> None:
    """UnreadableFileError for a file of more passages than any circular has: 20,000 table rows
    of a TXT would be minutes of embedding while every other admin change waits."""
    if len(chunks) > MAX_PASSAGES:
        raise UnreadableFileError(doc.path, f"段落过多（{len(chunks)} 段，上限 {MAX_PASSAGES} 段），不像一份通知或工作要点")


def embed_text(doc: Document, chunk: Chunk) -> str:
    """What the dense model sees for a chunk: where it sits, then what it says."""
    return normalize(f"{doc.region} {chunk.heading}：{row_text(chunk)}")


@contextmanager
def reindex_lock(index_dir: Path):
    """Only one reindex per index directory at a time, across processes."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fh = open(index_dir / ".lock", "w")
    except OSError as exc:   # read-only or foreign folder: nothing can be written there
        log.error("cannot lock %s: %s", index_dir, exc)
        raise IndexWriteError(exc) from exc
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise ReindexBusyError() from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class _Reuse:
    """What the current build can lend the next one: parsed documents (by file hash), their
    chunks, schedule and BM25 tokens, and vectors (by embedded-text hash)."""
    docs: dict[str, Document] = field(default_factory=dict)
    chunks: dict[str, list[Chunk]] = field(default_factory=dict)
    schedule: dict[str, list] = field(default_factory=dict)
    tokens: dict[str, list[list[str]]] = field(default_factory=dict)
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    read: dict[str, Document] = field(default_factory=dict)   # read by the caller, not yet chunked


def _reusable(index_dir: Path, embedder: Embedder, built: store.Built | None) -> _Reuse:
    """Reuse from the build a running engine holds, else from the one on disk."""
    reuse = _Reuse()
    if built is None:
        try:
            built = store.load(index_dir)
        except (IndexMissingError, IndexCorruptError) as exc:
            log.info("nothing to reuse: %s", exc)
            return reuse
    tokens = None
    if built.manifest.parser == PARSER_VERSION:
        try:
            tokens = store.load_tokens(built.path)
        except (sqlite3.Error, ValueError, OSError) as exc:
            log.warning("stored tokens unreadable, parsing everything again: %s", exc)
    if tokens is not None:
        for doc in built.documents.values():
            reuse.docs[doc.sha256] = doc
        for i, c in enumerate(built.chunks):
            reuse.chunks.setdefault(c.doc_id, []).append(c)
            reuse.tokens.setdefault(c.doc_id, []).append(tokens[i])
        for e in built.schedule:
            reuse.schedule.setdefault(e.doc_id, []).append(e)
    if built.manifest.embedder == embedder.name and built.manifest.dim == embedder.dim:
        n = built.vectors.ntotal
        vecs = built.vectors.reconstruct_n(0, n) if n else np.zeros((0, embedder.dim), np.float32)
        reuse.vectors = {h: vecs[i] for i, h in enumerate(built.text_hashes)}
    return reuse


def _parse(path: Path, reuse: _Reuse) -> tuple[Document, list[Chunk] | None, list | None, list | None]:
    """A document from the previous build when the file is byte-for-byte the same, else parsed."""
    try:
        digest = sha256_bytes(path.read_bytes())
    except OSError as exc:   # unreadable (permissions, I/O error, a folder): this file only
        raise UnreadableFileError(path, f"无法读取文件：{exc.strerror or exc}") from exc
    old = reuse.docs.get(digest)
    if old is None:
        fresh = reuse.read.get(digest)
        doc = replace(fresh, doc_id=path.stem, path=path.name) if fresh is not None else load_document(path)
        return doc, None, None, None
    doc = replace(old, doc_id=path.stem, path=path.name)
    return (doc, reuse.chunks.get(old.doc_id, []), reuse.schedule.get(old.doc_id, []),
            reuse.tokens.get(old.doc_id, []))


def reindex(corpus_dir: Path, index_dir: Path, embedder: Embedder,
            progress: Progress | None = None, previous: store.Built | None = None,
            read: list[Document] = ()) -> ReindexReport:
    """Build a new index from the corpus and swap it in; the old one serves until the swap.

    Incremental: unchanged files reuse their parse, tokens and vectors from the current build;
    `read` are documents the caller has just read (an upload), not read a second time."""
    started = time.perf_counter()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    progress = progress or (lambda stage, done, total: None)
    with reindex_lock(index_dir):
        reuse = _reusable(index_dir, embedder, previous)
        reuse.read = {d.sha256: d for d in read}
        parsed, rejected, seen, same = [], [], {}, {}
        files = sorted(corpus_files(corpus_dir), key=_added_at)
        rejected.extend((p.name, "不是普通文件（可能是文件夹），已跳过") for p in odd_entries(corpus_dir))
        for i, path in enumerate(files):
            progress("parse", i, len(files))
            try:
                check_name(path)
                doc, old_chunks, old_schedule, old_tokens = _parse(path, reuse)
            except UnreadableFileError as exc:
                log.warning("rejected %s: %s", path.name, exc.reason)
                rejected.append((path.name, exc.reason))
                continue
            if doc.sha256 in seen:
                rejected.append((path.name, f"与 {seen[doc.sha256]} 内容完全相同，已跳过"))
                continue
            seen[doc.sha256] = path.name
            # the PDF and the DOCX of one circular, or a GB18030 copy of a UTF-8 one: indexed
            # once, the first one kept
            key, words = meta.identity(doc), meta.text_key(doc)
            if key and key in same or words and words in same:
                reason = meta.same_reason(doc) if key in same else "文字相同，编码、全半角或空白不同"
                rejected.append((path.name, f"与 {same.get(key) or same[words]} 是同一份文件（{reason}），未重复收录"))
                continue
            for k in (key, words):
                if k:
                    same[k] = path.name
            if any(d.doc_id == doc.doc_id for d, *_ in parsed):
                doc.doc_id = path.name
            parsed.append((doc, old_chunks, old_schedule, old_tokens))
        progress("parse", len(files), len(files))
        if not parsed:
            raise EmptyCorpusError(FORMATS)

        from .schedule_reader import extract_schedule  # the calendar side of the same documents
        docs, chunks, schedule, tokens, read_now = [], [], [], [], []
        if any(old_chunks is None for _, old_chunks, _, _ in parsed):
            full_dictionary()  # a corpus's look-ups are too many for the word store
        for doc, old_chunks, old_schedule, old_tokens in parsed:
            if old_chunks is None:
                doc_chunks = chunk_document(doc, first_id=len(chunks))
                try:
                    check_passages(doc, doc_chunks)
                except UnreadableFileError as exc:
                    rejected.append((doc.path, exc.reason))
                    continue
                entries = extract_schedule(doc, doc_chunks)
                doc.years = sorted(set(doc.years) | {e.year for e in entries if e.year})
                schedule.extend(entries)
                tokens.extend(tokenize(search_text(c)) for c in doc_chunks)
                read_now.append(FileRead(doc.path, doc.title, doc.region, doc.date or doc.printed_date
                                         or doc.published, len(doc_chunks), len(entries)))
            else:
                doc_chunks = [replace(c, chunk_id=len(chunks) + k, doc_id=doc.doc_id)
                              for k, c in enumerate(old_chunks)]
                schedule.extend(replace(e, doc_id=doc.doc_id) for e in old_schedule)
                tokens.extend(old_tokens)
            docs.append(doc)
            chunks.extend(doc_chunks)
        if not docs:
            raise EmptyCorpusError(FORMATS)
        by_id = {d.doc_id: d for d in docs}
        texts = [embed_text(by_id[c.doc_id], c) for c in chunks]
        hashes = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]

        vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
        todo = [i for i, h in enumerate(hashes) if h not in reuse.vectors]
        for i, h in enumerate(hashes):
            if h in reuse.vectors:
                vectors[i] = reuse.vectors[h]
        for b in range(0, len(todo), EMBED_BATCH):
            progress("embed", b, len(todo))
            idx = todo[b:b + EMBED_BATCH]
            vectors[idx] = embedder.embed_passages([texts[i] for i in idx])
            fault("embed")
        progress("embed", len(todo), len(todo))

        bm25 = BM25.build(tokens)
        seconds = time.perf_counter() - started
        manifest = store.Manifest(embedder=embedder.name, dim=embedder.dim, built_at=time.time(),
                                  seconds=round(seconds, 3), documents=len(docs), chunks=len(chunks),
                                  schedule=len(schedule), embedded=len(todo), parser=PARSER_VERSION,
                                  rejected=[{"file": f, "reason": r} for f, r in rejected])
        build = None
        try:
            build = store.new_build_dir(index_dir)
            progress("write", 0, 1)
            store.write_build(build, manifest, docs, chunks, schedule, vectors, bm25, hashes, tokens,
                              fault)
            fault("swap")
            final = store.publish(index_dir, build)
        except (OSError, sqlite3.Error, RuntimeError) as exc:
            # a full disk surfaces as OSError, sqlite3.OperationalError or FAISS's RuntimeError
            if build is not None:
                shutil.rmtree(build, ignore_errors=True)
            log.error("writing the index failed: %r", exc)
            raise IndexWriteError(exc) from exc
        except BaseException:
            if build is not None:
                shutil.rmtree(build, ignore_errors=True)
            raise
        progress("write", 1, 1)
        return ReindexReport(len(docs), len(chunks), len(schedule), len(todo),
                             len(chunks) - len(todo), time.perf_counter() - started, rejected,
                             final.name, {d.path: d.dropped for d in docs if d.dropped},
                             [d.path for d in docs if not d.region], read_now)
