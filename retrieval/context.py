"""Conversation context: a follow-up ("那武胜呢", "9月呢", "还有呢", "具体怎么做") takes what it
leaves out from the same chat's previous question. Context expires and never crosses chats."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from .models import Answer
from .query import Query

# the words that ask for a metadata field again
META_WORDS = {"recipients": "发给谁", "copy_to": "抄送", "attachments": "附件", "doc_number": "文号",
              "issuer": "发文机关", "date": "印发日期", "public": "公开", "title": "标题"}

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


# a word that carries the previous question's intent into a follow-up that has none of its own
INTENT_WORDS = {"when": "什么时候", "yesno": "什么时候", "order": "什么时候", "month": "做什么",
                "list": "有哪些", "compare": "分别"}


TIME_INTENTS = ("when", "yesno", "order")


def merged_question(prev: Query, new: Query) -> str:
    """A follow-up completed from the previous question: the region and year it leaves out, and
    for a short one ("那武胜呢", "9月呢", "国家认定呢") the previous topic and kind of question."""
    regions = new.region_words or prev.region_words
    if new.problem == "empty":
        # a question form alone (“要交什么”, “啥时候交”): the previous question's subject, asked so
        year = prev.asked.wording or (f"{prev.asked.year}年" if prev.asked.year else "")
        return " ".join(p for p in [*regions, year, *prev.tokens, new.norm] if p)
    if new.followup != "short":
        # a full question in the same chat only inherits the region it leaves out
        return " ".join([*([] if new.region_words else prev.region_words), new.norm])
    time = new.asked.wording or (f"{new.asked.year}年" if new.asked.year else "") or prev.asked.wording
    year = "" if (new.asked.year or "年" in time or not prev.asked.year) else f"{prev.asked.year}年"
    # “培训呢” after “评估在几月” asks when of another subject: its words replace the previous
    # topic (the time form is carried by the hint); “那武胜呢”, “9月呢” name none and keep it. After
    # another question (“园长要什么条件” → “那老师呢”) the previous words carry what is asked
    own = new.text.lstrip("那么个 ")
    if new.tokens and own and prev.intent in TIME_INTENTS:
        topic = own
    else:
        topic = " ".join(dict.fromkeys(t for t in [own, prev.text] if t))
    meta = META_WORDS.get(prev.meta_field, "")
    hint = "" if meta else INTENT_WORDS.get(prev.intent, "")
    return " ".join(p for p in [*regions, year, time, topic, meta, hint] if p)
