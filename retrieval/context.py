"""Conversation context: a follow-up ("那武胜呢", "9月呢", "还有呢", "具体怎么做") takes what it
leaves out from the same chat's previous question. Context expires and never crosses chats."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from .models import Answer
from .query import Query

EXPIRES = 30 * 60      # seconds a previous question stays the context
MAX_CHATS = 5000


@dataclass
class Turn:
    query: Query
    answer: Answer
    at: float


class Conversations:
    """The last question and answer of each chat."""

    def __init__(self, expires: float = EXPIRES, clock=time.monotonic):
        self.expires = expires
        self.clock = clock
        self._turns: OrderedDict[str, Turn] = OrderedDict()
        self._lock = threading.Lock()

    def last(self, chat: str) -> Turn | None:
        with self._lock:
            turn = self._turns.get(chat)
            if turn and self.clock() - turn.at > self.expires:
                del self._turns[chat]
                return None
            return turn

    def remember(self, chat: str, query: Query, answer: Answer) -> None:
        with self._lock:
            self._turns[chat] = Turn(query, answer, self.clock())
            self._turns.move_to_end(chat)
            while len(self._turns) > MAX_CHATS:
                self._turns.popitem(last=False)

    def forget(self) -> None:
        """After a reindex the remembered passages may be gone."""
        with self._lock:
            self._turns.clear()


def merged_question(prev: Query, new: Query) -> str:
    """The previous question with the parts the follow-up names (region, time) swapped in."""
    text = prev.norm
    if new.regions:
        for w in prev.region_words:
            text = text.replace(w, " ")
        text = " ".join(new.region_words) + " " + text
    if new.asked.months or new.asked.year:
        if prev.asked.wording:
            text = text.replace(prev.asked.wording, " ")
        text = (new.asked.wording or (f"{new.asked.year}年" if new.asked.year else "")) + " " + text
    return " ".join(text.split())
