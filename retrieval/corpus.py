"""Admin changes to the corpus: add a circular (checked, deduplicated, safely named), remove one."""
from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import meta
from .errors import EmptyCorpusError, EngineError
from .chunker import chunk_document
from .indexer import check_passages, corpus_files, load_document
from .loaders import SUPPORTED, check_name, check_size, sha256_bytes
from .models import Document
from .render import clip

log = logging.getLogger(__name__)

KEY_SHOWN = 40   # a key of thousands of characters would make the reply longer than Telegram takes
REMOVED = ".removed"


class DuplicateFileError(EngineError):
    """The same content is already in the corpus."""

    def __init__(self, existing: str):
        self.existing = existing
        super().__init__(f"内容与已收录的 {existing} 完全相同，未重复添加")


class SameDocumentError(EngineError):
    """The file is another copy or version of an indexed circular (same 文号, title or words); adding
    it replaces that one only when the admin confirms."""

    hint = "replace"

    def __init__(self, existing: str, reason: str):
        self.existing = existing
        self.reason = f"与已收录的 {existing} 是同一份文件（{reason}），没有重复收录。"
        super().__init__(self.reason)


class UnknownDocumentError(EngineError):
    """No corpus file matches the name given to /remove."""
    hint = "docs"


class LastDocumentError(EngineError):
    """Removing this file would leave nothing to index."""

    def __init__(self):
        super().__init__("这是最后一份可读取的文件，移除后就没有可回答问题的文件了；请先添加新文件再移除")


@dataclass
class AddResult:
    doc_id: str
    file: str
    title: str
    issuer: str
    doc_number: str
    date: str
    region: str
    year: int | None
    chunks: int
    schedule: int
    seconds: float


def check_upload(name: str, size: int | None) -> None:
    """Reject by declared name and size before anything is downloaded."""
    check_name(name or "(无文件名)")
    if size is not None:
        check_size(name, max(size, 1))


def safe_name(original: str, digest: str) -> str:
    """A generated corpus file name: never the sender's path, only a vetted extension."""
    ext = Path(original).suffix.lower()
    if ext not in SUPPORTED:
        ext = ".txt"
    return f"upload-{time.strftime('%Y%m%d')}-{digest[:12]}{ext}"


def existing_hashes(corpus_dir: Path) -> dict[str, str]:
    out = {}
    for p in corpus_files(corpus_dir):
        try:
            out[sha256_bytes(p.read_bytes())] = p.name
        except OSError as exc:
            log.warning("cannot hash %s: %s", p, exc)
    return out


def add_file(engine, src: Path, original_name: str, progress=None, replace: bool = False) -> AddResult:
    """Parse a new circular, copy it into the corpus under a safe name, and reindex.

    Nothing is left in the corpus if the file cannot be parsed or the reindex fails. Concurrent
    calls run one at a time (engine.changes): the second copy of a file is then a duplicate. A
    file with the 文号 (or title) of an indexed circular raises SameDocumentError unless
    `replace`, which moves the old file to corpus/.removed/ first."""
    started = time.perf_counter()
    src = Path(src)
    check_upload(original_name, src.stat().st_size)
    corpus_dir = Path(engine.config.corpus_dir)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    data = src.read_bytes()
    digest = sha256_bytes(data)
    name = safe_name(original_name, digest)
    # parse under the final extension first, so a file that cannot be read is never added;
    # a unique staging name, so two uploads never share one
    staging = corpus_dir / f".staging-{uuid.uuid4().hex}{Path(name).suffix}"
    try:
        staging.write_bytes(data)
        doc = load_document(staging)
        check_passages(doc, chunk_document(doc))
        with engine.changes:
            dup = existing_hashes(corpus_dir).get(digest)
            if dup:
                raise DuplicateFileError(dup)
            older = same_document(engine, doc)
            reason = meta.same_reason(doc)
            if older is None:
                older, reason = same_text(engine, doc), "文字相同，编码、全半角或空白不同"
            if older is not None and not replace:
                raise SameDocumentError(older.path, reason)
            moved = _to_removed(corpus_dir / older.path) if older is not None else None
            target = corpus_dir / name
            os.replace(staging, target)
            try:
                engine.reindex(progress, read=[doc])   # parsed once: the reindex takes this parse
            except BaseException:
                target.unlink(missing_ok=True)
                if moved is not None:
                    shutil.move(str(moved), corpus_dir / older.path)
                raise
            built = engine.state.built
    finally:
        staging.unlink(missing_ok=True)
    doc_id = target.stem
    chunks = sum(1 for c in built.chunks if c.doc_id == doc_id)
    schedule = sum(1 for e in built.schedule if e.doc_id == doc_id)
    return AddResult(doc_id, target.name, doc.title, doc.issuer, doc.doc_number, doc.date,
                     doc.region, doc.year, chunks, schedule, time.perf_counter() - started)


def same_document(engine, doc: Document) -> Document | None:
    """The indexed circular a new file is another copy or version of, if any."""
    key = meta.identity(doc)
    if not key:
        return None
    for old in engine.state.built.documents.values():
        if meta.identity(old) == key:
            return old
    return None


def same_text(engine, doc: Document) -> Document | None:
    """The indexed document with the same words as a new file (another encoding, width or
    spacing of the same text), if any."""
    words = meta.text_key(doc)
    return next((old for old in engine.state.built.documents.values()
                 if words and meta.text_key(old) == words), None)


def _to_removed(src: Path) -> Path:
    """Move a corpus file to corpus/.removed/ under a free name; nothing is deleted."""
    trash = src.parent / REMOVED
    trash.mkdir(exist_ok=True)
    dst = trash / src.name
    n = 1
    while dst.exists():
        dst = trash / f"{src.stem}.{n}{src.suffix}"
        n += 1
    shutil.move(str(src), dst)
    return dst


def find_file(corpus_dir: Path, key: str) -> Path:
    """The corpus file a doc id, a file name or a 文号 refers to."""
    key = key.strip()
    files = corpus_files(corpus_dir)
    for p in files:
        if key in (p.name, p.stem):
            return p
    raise UnknownDocumentError(f"没有找到名为 {clip(key, KEY_SHOWN)} 的文件")


def indexed_file(engine, key: str) -> Path:
    """The original file of an indexed circular, by its 文件编号 or file name: never a file the
    index does not hold (rejected, not yet indexed) and never through a link out of the corpus."""
    key = key.strip()
    corpus_dir = Path(engine.config.corpus_dir)
    for doc in engine.state.built.documents.values():
        if key in (doc.doc_id, doc.path):
            path = corpus_dir / doc.path
            try:
                inside = not path.is_symlink() and path.is_file() and path.resolve().parent == corpus_dir.resolve()
            except OSError as exc:
                log.warning("cannot check %s: %s", path, exc)
                inside = False
            if inside:
                return path
            log.warning("/doc %s: %s is a link or gone; not sent", key, path)
            break
    raise UnknownDocumentError(f"没有找到文件编号为 {clip(key, KEY_SHOWN)} 的文件")


def remove_file(engine, key: str, progress=None) -> Path:
    """Move a circular to corpus/.removed/ (nothing is deleted) and reindex without it."""
    corpus_dir = Path(engine.config.corpus_dir)
    with engine.changes:
        src = find_file(corpus_dir, key)
        dst = _to_removed(src)
        try:
            engine.reindex(progress)
        except EmptyCorpusError as exc:
            shutil.move(str(dst), src)
            raise LastDocumentError() from exc
        except BaseException:
            shutil.move(str(dst), src)
            raise
    return dst
