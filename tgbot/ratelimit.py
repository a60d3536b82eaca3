"""Per-user rate limit for the bot: a token bucket per user, so one user cannot crowd out the
others or spend the bot's shared Telegram send quota."""
from __future__ import annotations

import threading
import time
from typing import Callable

ALLOW, TELL, DROP = "allow", "tell", "drop"
MAX_USERS = 10_000   # buckets kept before full (idle) ones are dropped


class UserRateLimit:
    """`burst` requests at once per user, then one every `seconds`; a refused user is told once
    per limited period (TELL), then refused silently (DROP) until a request gets through."""

    def __init__(self, burst: int, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.burst = max(1, burst)
        self.seconds = max(seconds, 1e-6)
        self.clock = clock
        self._buckets: dict[int, list] = {}   # user → [tokens, updated at, told]
        self._lock = threading.Lock()

    def check(self, user: int) -> str:
        """ALLOW (a token was taken), TELL (refused, say so) or DROP (refused, already told)."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(user)
            if bucket is None:
                if len(self._buckets) >= MAX_USERS:
                    self._forget_idle(now)
                bucket = self._buckets[user] = [float(self.burst), now, False]
            bucket[0] = min(self.burst, bucket[0] + (now - bucket[1]) / self.seconds)
            bucket[1] = now
            if bucket[0] >= 1:
                bucket[0] -= 1
                bucket[2] = False
                return ALLOW
            if bucket[2]:
                return DROP
            bucket[2] = True
            return TELL

    def _forget_idle(self, now: float) -> None:
        full_after = self.burst * self.seconds
        for user in [u for u, (_, at, _) in self._buckets.items() if now - at >= full_after]:
            del self._buckets[user]
