"""Fault injection for the crash tests, read from DUDAO_FAULT: a real process made to stop or fail
at one stage of a reindex, as a kill or a full disk would."""
from __future__ import annotations

import errno
import os
import sqlite3
import sys
import time


SLOW = 3.0


def fault(stage: str) -> None:
    """Fault injection for the crash tests: DUDAO_FAULT=pause:<stage> stops here until killed,
    DUDAO_FAULT=enospc:<stage> fails here as a full disk would (OSError), dbfull:<stage> as SQLite
    does, faissfull:<stage> as FAISS does, slow:<stage> takes SLOW seconds there (a change long
    enough to be cancelled). Stages: embed, store (SQLite written, not committed), write, swap."""
    spec = os.environ.get("DUDAO_FAULT", "")
    if not spec:
        return
    action, _, where = spec.partition(":")
    if where != stage:
        return
    if action == "pause":
        print(f"FAULT-PAUSE {stage}", file=sys.stderr, flush=True)
        while True:
            time.sleep(3600)
    if action == "slow":
        time.sleep(SLOW)
        return
    if action == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    if action == "dbfull":
        raise sqlite3.OperationalError("database or disk is full")
    if action == "faissfull":
        raise RuntimeError("Error in faiss::FileIOWriter: write error: No space left on device")
