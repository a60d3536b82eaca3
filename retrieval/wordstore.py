"""jieba's dictionary (with the domain words) kept as a SQLite table, so that a process which only
answers questions looks up the few dozen words a question holds instead of loading half a million
entries into memory first (1.5 s of a cold start on a small machine)."""
from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

_MISSING = -1


class StoredFreq:
    """The read-only face jieba's Tokenizer needs of its FREQ dict (`in`, `[]`, `get`), answered
    from the store; prefixes of words are held with frequency 0, as in jieba's own dict."""

    def __init__(self, path: Path):
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self.total = int(self._db.execute("SELECT value FROM meta WHERE key = 'total'").fetchone()[0])
        self._lookup = lru_cache(maxsize=200_000)(self._query)

    def _query(self, word: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT n FROM freq WHERE w = ?", (word,)).fetchone()
        return _MISSING if row is None else row[0]

    def get(self, word: str, default=None):
        n = self._lookup(word)
        return default if n == _MISSING else n

    def __contains__(self, word: str) -> bool:
        return self._lookup(word) != _MISSING

    def __getitem__(self, word: str) -> int:
        n = self._lookup(word)
        if n == _MISSING:
            raise KeyError(word)
        return n


def store_path(cache_dir: Path, jieba_version: str, user_dict: Path) -> Path:
    """Where the store for this jieba version and this domain dictionary lives: a changed
    dictionary gets a new file rather than a stale answer."""
    digest = hashlib.sha256(jieba_version.encode() + b"\0" + user_dict.read_bytes()).hexdigest()[:16]
    return Path(cache_dir) / f"jieba-words-{digest}.sqlite"


def open_store(path: Path) -> StoredFreq | None:
    """The store at `path`, or None when there is none (or it cannot be read)."""
    if not path.is_file():
        return None
    try:
        return StoredFreq(path)
    except (sqlite3.Error, TypeError, ValueError) as exc:
        log.warning("word store %s unreadable, loading the dictionary in full: %s", path, exc)
        return None


def write_store(path: Path, freq: dict[str, int], total: int) -> None:
    """Write `freq` and `total` to `path` atomically (several processes may race to write it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.execute("CREATE TABLE freq (w TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.executemany("INSERT INTO freq VALUES (?, ?)", freq.items())
        db.execute("INSERT INTO meta VALUES ('total', ?)", (str(total),))
        db.commit()
    finally:
        db.close()
    tmp.replace(path)
