"""Per-user rate limit for the bot: a token bucket per user, so one user cannot crowd out the
others or spend the bot's shared Telegram send quota."""
from __future__ import annotations

import threading
import time
from typing import Callable

ALLOW, TELL, DROP = "allow", "tell", "drop"
MAX_USERS = 10_000   # buckets kept before full (idle) ones are dropped
# Telegram lets a bot send about one message a second to one chat: a refused request is told
# unless the last notice went out less than this long ago, so a person typing at that pace
# always hears back, and a flood costs one notice a second at most
TELL_GAP = 1.0


class UserRateLimit:
    """`burst` requests at once per user, then one every `seconds`; a refused request is told
    (TELL) unless a notice went out less than TELL_GAP seconds before (DROP)."""

    def __init__(self, burst: int, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.burst = max(1, burst)
        self.seconds = max(seconds, 1e-6)
        self.clock = clock
        self._buckets: dict[int, list] = {}   # user → [tokens, updated at, last notice at]
        self._lock = threading.Lock()

    def check(self, user: int) -> str:
        """ALLOW (a token was taken), TELL (refused, say so) or DROP (refused, already told)."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(user)
            if bucket is None:
                if len(self._buckets) >= MAX_USERS:
                    self._forget_idle(now)
                bucket = self._buckets[user] = [float(self.burst), now, None]
            bucket[0] = min(self.burst, bucket[0] + (now - bucket[1]) / self.seconds)
            bucket[1] = now
            if bucket[0] >= 1:
                bucket[0] -= 1
                return ALLOW
            if bucket[2] is not None and now - bucket[2] < TELL_GAP:
                return DROP
            bucket[2] = now
            return TELL

    def _forget_idle(self, now: float) -> None:
        full_after = self.burst * self.seconds
        for user in [u for u, (_, at, _) in self._buckets.items() if now - at >= full_after]:
            del self._buckets[user]
