"""The engine facade used by the CLI, the bot and the tests: open an index, ask, reindex."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from . import store, timeexpr, yearplan
from .answer import answer_meta, answer_passages, no_answer
from .config import Config
from .embedders import Embedder, make_embedder
from .errors import EmbedderMismatchError, IndexCorruptError, IndexMissingError, ReindexBusyError
from .indexer import Progress, ReindexReport, reindex
from .lexical import load_dictionary
from .models import Answer, Document, ScheduleEntry
from .plans import select_plans
from .query import Query, alias_table, parse_question
from .search import Searcher

log = logging.getLogger(__name__)


@dataclass
class State:
    """One loaded build and what questions need from it; replaced as a whole so readers never
    see a mix of two builds."""
    built: store.Built
    searcher: Searcher
    doc_list: list[Document]
    aliases: list[tuple[str, str]]                 # (normalized alias, region)
    schedule: dict[str, list[ScheduleEntry]]       # doc_id → its schedule entries


class Engine:
    def __init__(self, config: Config, embedder: Embedder | None = None,
                 now: Callable[[], datetime] | None = None):
        self.config = config
        self._embedder = embedder
        self._now = now
        self._state: State | None = None
        self._reindex_guard = threading.Lock()
        # held by a corpus change (upload, removal) from its duplicate check to the end of its
        # reindex, so concurrent changes run one after another instead of racing
        self.changes = threading.RLock()
        self._asked = 0
        self._asked_lock = threading.Lock()  # ask() runs in several threads at once
        self.last_report: ReindexReport | None = None

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.config.embedder)
        return self._embedder

    def open(self, build_if_missing: bool = True, progress: Progress | None = None,
             notify: Callable[[str], None] | None = None) -> "Engine":
        """Load the current index; build it first when missing, rebuild it once when damaged."""
        try:
            self._load()
        except IndexMissingError:
            if not build_if_missing:
                raise
            log.info("no index in %s yet: building it", self.config.index_dir)
            if notify:
                notify("首次使用：正在从文件目录建立索引……")
            self.reindex(progress)
        except IndexCorruptError as exc:
            if not build_if_missing:
                raise
            log.warning("index damaged (%s): rebuilding from the corpus", exc)
            if notify:
                notify(f"{exc}；正在从文件目录重建索引……")
            self.reindex(progress)
        return self

    def _load(self) -> None:
        load_dictionary()  # before questions arrive from several threads
        built = store.load(self.config.index_dir)
        emb = self.embedder
        if built.manifest.embedder != emb.name or built.manifest.dim != emb.dim:
            raise EmbedderMismatchError(built.manifest.embedder, emb.name)
        by_doc: dict[str, list[ScheduleEntry]] = {}
        for e in built.schedule:
            by_doc.setdefault(e.doc_id, []).append(e)
        docs = list(built.documents.values())
        self._state = State(built, Searcher(built, emb), docs, alias_table(docs), by_doc)

    def reindex(self, progress: Progress | None = None) -> ReindexReport:
        """Rebuild from the corpus; questions keep using the old index until the swap."""
        if not self._reindex_guard.acquire(blocking=False):
            raise ReindexBusyError()
        try:
            previous = self._state.built if self._state is not None else None
            report = reindex(self.config.corpus_dir, self.config.index_dir, self.embedder, progress,
                             previous)
            self._load()
            self.last_report = report
        finally:
            self._reindex_guard.release()
        return report

    @property
    def reindexing(self) -> bool:
        return self._reindex_guard.locked()

    @property
    def state(self) -> State:
        if self._state is None:
            self.open()
        return self._state

    # -- questions -------------------------------------------------------------------------
    def documents(self) -> list[Document]:
        return sorted(self.state.built.documents.values(), key=lambda d: (d.region, d.year or 0))

    def now(self) -> datetime:
        from zoneinfo import ZoneInfo
        if self._now is not None:
            return self._now()
        return datetime.now(ZoneInfo(self.config.timezone))

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        """Answer one question from the current index."""
        state = self.state
        top_k = top_k or self.config.top_k
        query = parse_question(question, state.doc_list, state.aliases)
        with self._asked_lock:
            self._asked += 1
        if query.problem:
            return invalid(query)
        asked = timeexpr.parse_question(query.norm, self.now().date())
        if asked.invalid:
            return invalid_time(query, asked.invalid)
        plans, notes = select_plans(state.doc_list, query.regions, asked.year)
        if query.intent:
            return answer_meta(query, plans, notes)
        if asked.months and not yearplan.is_when_question(query):
            return yearplan.answer_month(query, asked, plans, notes, state.schedule)
        if not plans:
            return no_answer(query, notes)
        hits = state.searcher.search(query, {d.doc_id for d in plans}, k=top_k * 8)
        if yearplan.is_when_question(query):
            answer = yearplan.answer_when(query, hits, state.built.documents, state.schedule, notes)
            if answer is not None:
                return answer
        return answer_passages(query, hits, state.built.documents, top_k, notes)

    @property
    def questions_answered(self) -> int:
        return self._asked

    def month(self, month: int) -> Answer:
        """The `/month N` answer: every entry of that month, by region."""
        state = self.state
        query = parse_question(f"{month}月", state.doc_list, state.aliases)
        asked = timeexpr.AskedTime(months=[month])
        plans, notes = select_plans(state.doc_list, [], None)
        return yearplan.answer_month(query, asked, plans, notes, state.schedule)


def invalid_time(query: Query, wording: str) -> Answer:
    text = (f"“{wording}”不是有效的日期。月份请用 1–12 月（如“四月”“11月”），"
            f"日期请用当月实际存在的日子。")
    return Answer(question=query.question, kind="invalid", answer=text)


def invalid(query: Query) -> Answer:
    if query.problem == "too_long":
        text = "问题太长了，请用一两句话（300 字以内）描述想了解的内容，例如：“幼儿园办园行为督导评估在几月？”"
    else:
        text = "没有看懂这个问题。请用中文提问，例如：“今年有哪些专项督导？”或“四月做什么？”"
    return Answer(question=query.question, kind="invalid", answer=text)
