"""Who asked to be reminded of which region's plan, and which reminders already went out: a SQLite
file next to the index data, so both survive a restart and a reindex."""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

log = logging.getLogger(__name__)

FILE = "subscriptions.sqlite3"
DEFAULT_DAYS = 3     # a dated step is announced this many days ahead unless the subscriber chose
MAX_DAYS = 30

_SCHEMA = """
CREATE TABLE IF NOT EXISTS subscription (
    chat_id INTEGER NOT NULL,
    region TEXT NOT NULL,            -- the place as shown (武胜县); resolved again at each check
    days_before INTEGER NOT NULL,
    created TEXT NOT NULL,           -- ISO time, aware: a digest due before it is not owed
    PRIMARY KEY (chat_id, region)
);
CREATE TABLE IF NOT EXISTS sent (
    key TEXT PRIMARY KEY,            -- one per chat and occasion (digest of a month, a step's date)
    chat_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'sent'   -- 'claimed' while it is being sent
);
"""


@dataclass(frozen=True)
class Subscription:
    chat_id: int
    region: str
    days_before: int
    created: datetime


class SubscriptionStore:
    """Subscriptions and sent reminders; safe to use from the bot's worker threads."""

    def __init__(self, index_dir: Path):
        Path(index_dir).mkdir(parents=True, exist_ok=True)
        self.path = Path(index_dir) / FILE
        self._lock = threading.Lock()
        self.persistent = True
        try:
            self._db = self._open(self.path)
        except sqlite3.OperationalError as exc:
            # a read-only or full folder: the bot still starts, subscriptions last until a restart
            log.error("cannot write %s (%s): subscriptions are kept in memory only", self.path, exc)
            self.persistent = False
            self._db = self._open(":memory:")
        except sqlite3.DatabaseError as exc:
            # a damaged file would keep the bot from starting: moved aside (kept for a person to
            # look at), and subscriptions start again empty
            aside = self.path.with_name(f"{FILE}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
            log.error("%s is damaged (%s): moved to %s, starting with no subscriptions", self.path, exc, aside)
            os.replace(self.path, aside)
            self._db = self._open(self.path)

    @staticmethod
    def _open(path) -> sqlite3.Connection:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            db.executescript(_SCHEMA)
            db.execute("SELECT count(*) FROM subscription").fetchone()
            if "state" not in {row[1] for row in db.execute("PRAGMA table_info(sent)")}:
                # files of earlier versions: every row there was sent
                db.execute("ALTER TABLE sent ADD COLUMN state TEXT NOT NULL DEFAULT 'sent'")
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def subscribe(self, chat_id: int, region: str, days_before: int = DEFAULT_DAYS,
                  now: datetime | None = None) -> bool:
        """Add (True) or update the days of (False) a chat's subscription to a region."""
        if not 0 <= days_before <= MAX_DAYS:
            raise ValueError(f"days_before {days_before} outside 0–{MAX_DAYS}")
        now = now or datetime.now(timezone.utc)
        with self._lock:
            old = self._db.execute("SELECT 1 FROM subscription WHERE chat_id=? AND region=?",
                                   (chat_id, region)).fetchone()
            if old:
                self._db.execute("UPDATE subscription SET days_before=? WHERE chat_id=? AND region=?",
                                 (days_before, chat_id, region))
            else:
                self._db.execute("INSERT INTO subscription VALUES (?, ?, ?, ?)",
                                 (chat_id, region, days_before, now.isoformat()))
        return not old

    def unsubscribe(self, chat_id: int, region: str | None = None) -> int:
        """Drop one region, or every subscription of the chat; how many were dropped."""
        with self._lock:
            if region is None:
                cur = self._db.execute("DELETE FROM subscription WHERE chat_id=?", (chat_id,))
            else:
                cur = self._db.execute("DELETE FROM subscription WHERE chat_id=? AND region=?", (chat_id, region))
            return cur.rowcount

    def of_chat(self, chat_id: int) -> list[Subscription]:
        return [s for s in self.all() if s.chat_id == chat_id]

    def all(self) -> list[Subscription]:
        with self._lock:
            rows = self._db.execute("SELECT chat_id, region, days_before, created FROM subscription "
                                    "ORDER BY chat_id, region").fetchall()
        out = []
        for c, r, d, t in rows:
            if not isinstance(d, int) or not 0 <= d <= MAX_DAYS:
                # stored by an earlier version from forged button data: read within bounds
                log.warning("subscription of %s to %s: %r days read as %d", c, r, d, DEFAULT_DAYS)
                d = DEFAULT_DAYS
            try:
                created = datetime.fromisoformat(t)
            except (TypeError, ValueError):
                log.warning("subscription of %s to %s: bad time %r, skipped", c, r, t)
                continue
            out.append(Subscription(c, r, d, created))
        return out

    def counts(self) -> tuple[int, int]:
        """(chats subscribed, subscriptions)."""
        with self._lock:
            return self._db.execute("SELECT COUNT(DISTINCT chat_id), COUNT(*) FROM subscription").fetchone()

    def claim(self, key: str, chat_id: int, now: datetime) -> bool:
        """Claim a reminder before sending it: False when it was claimed or sent already, so two
        checks never send it twice. `sent` marks it sent, `release` undoes a failed send."""
        with self._lock:
            cur = self._db.execute("INSERT OR IGNORE INTO sent VALUES (?, ?, ?, 'claimed')",
                                   (key, chat_id, now.isoformat()))
            return cur.rowcount == 1

    def sent(self, key: str) -> None:
        with self._lock:
            self._db.execute("UPDATE sent SET state='sent' WHERE key=?", (key,))

    def release_claims(self) -> int:
        """Drop claims never marked sent (the process stopped between claim and send), so that
        those reminders go out at the next check: at least once. Called before the first check."""
        with self._lock:
            return self._db.execute("DELETE FROM sent WHERE state='claimed'").rowcount

    def release(self, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM sent WHERE key=?", (key,))

    def sent_count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM sent WHERE state='sent'").fetchone()[0]
