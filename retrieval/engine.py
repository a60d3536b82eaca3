"""The engine facade used by the CLI, the bot and the tests: open an index, ask, reindex."""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Callable

from . import compose, store, timeexpr, time_answers
from .answer import ANSWERS as PASSAGE_ANSWERS
from .answer import more_answer, no_answer
from .config import Config
from .embedders import Embedder, make_embedder
from .errors import (EmbedderMismatchError, IndexCorruptError, IndexMissingError, IndexWriteError,
                     ReindexBusyError)
from .indexer import PARSER_VERSION, Progress, ReindexReport, reindex
from .lexical import load_dictionary
from .compare import answer_compare
from .listing import answer_list
from .models import Answer, Citation, Document, ScheduleEntry
from .scope import other_year, place_name, select_plans
from .context import Conversations, Turn, merged_question
from .query import CONFIDENT, Query, alias_table, parse_question
from .regions import Places, place_names, short_name
from .spelling import Speller
from .textnorm import normalize
from .search import Searcher

log = logging.getLogger(__name__)
MAX_HEADS = 4   # documents whose header passage a meta question also searches
# intent → answer function (query, plans, notes, hits, state, top_k) → Answer | None
ANSWERS = {**PASSAGE_ANSWERS, **time_answers.ANSWERS, "list": answer_list, "compare": answer_compare}


@dataclass
class State:
    """One loaded build and what questions need from it; replaced as a whole so readers never
    see a mix of two builds."""
    built: store.Built
    searcher: Searcher
    doc_list: list[Document]
    aliases: list[tuple[str, frozenset[str]]]      # (normalized name, region keys)
    schedule: dict[str, list[ScheduleEntry]]       # doc_id → its schedule entries
    speller: Speller
    places: Places                                 # the gazetteer's names and paths, for unknown places


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
        self.conversations = Conversations()
        self._clock_origin = time.monotonic()
        self._words: tuple | None = None   # (build, its words joined) for Engine._words_text

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.config.embedder, self.config.query_threads)
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
        if build_if_missing and self._state.built.manifest.parser != PARSER_VERSION:
            # built by older parsing rules (no regions with parents, no 主送 …): bring it up to date
            # now, re-parsing every file; vectors of unchanged passages are reused
            log.info("index parsed by rules v%s, now v%s: reindexing", self._state.built.manifest.parser,
                     PARSER_VERSION)
            if notify:
                notify("索引由旧版本的解析规则建立，正在按新规则更新……")
            try:
                self.reindex(progress)
            except IndexWriteError as exc:
                # a full or read-only disk: the old build still answers; the update waits for
                # the next reindex
                log.error("index not brought up to date, the previous build serves: %s", exc)
                if notify:
                    notify(f"{exc}（按旧版本规则建立的索引继续使用）")
        return self

    def _load(self) -> None:
        load_dictionary(self.config.cache_dir)  # before questions arrive from several threads
        built = store.load(self.config.index_dir)
        emb = self.embedder
        if built.manifest.embedder != emb.name or built.manifest.dim != emb.dim:
            raise EmbedderMismatchError(built.manifest.embedder, emb.name)
        by_doc: dict[str, list[ScheduleEntry]] = {}
        for e in built.schedule:
            by_doc.setdefault(e.doc_id, []).append(e)
        docs = list(built.documents.values())
        idf = {t: float(built.bm25.idf_arr[i]) for i, t in enumerate(built.bm25.vocab)}
        self._state = State(built, Searcher(built, emb), docs, alias_table(docs), by_doc,
                            Speller(built.bm25.vocab, {t: -v for t, v in idf.items()}),
                            place_names(self.config.index_dir))
        self.conversations.forget()

    def reindex(self, progress: Progress | None = None, read: list[Document] = ()) -> ReindexReport:
        """Rebuild from the corpus; questions keep using the old index until the swap (`read`:
        documents just read from corpus files, by their hash, so that none is read twice)."""
        if not self._reindex_guard.acquire(blocking=False):
            raise ReindexBusyError()
        try:
            previous = self._state.built if self._state is not None else None
            report = reindex(self.config.corpus_dir, self.config.index_dir, self.embedder, progress,
                             previous, read)
            self._load()
            self.last_report = report
        finally:
            self._reindex_guard.release()
        return report

    @property
    def state(self) -> State:
        if self._state is None:
            self.open()
        return self._state

    # -- questions -------------------------------------------------------------------------
    def plan_entries(self, where: str = "", one_year: bool = False) -> tuple[list[ScheduleEntry], list[str]]:
        """Schedule entries of the plans `where` names (“武胜 2021”, “广安”, or "" for every
        region's latest plan), with notes on a fallback or a place that is not held. `one_year`
        (a picture): with no year named, only the latest year of those plans, the others noted."""
        state = self.state
        # “武胜 2020” as typed after /ics: a bare four-digit number there is the year
        where = re.sub(r"(?<![\d〔\[])((?:19|20)\d{2})(?![\d年〕\]])", r"\1年", where)
        query = self.parse(where) if where.strip() else None
        if query is not None and query.unknown_places and not query.regions:
            return [], [f"没有收录{'、'.join(query.unknown_places)}的文件。"]
        year = query.asked.year if query is not None else None
        docs, notes = select_plans(state.doc_list, query.regions if query is not None else [], year,
                                   relative=query is not None and query.asked.year_is_relative)
        entries = []
        for d in docs:
            own = state.schedule.get(d.doc_id, [])
            # the year asked, where the plan dates anything in it; else the plan as it stands
            if year is not None and any(e.year == year for e in own):
                own = [e for e in own if e.year == year]
            entries.extend(own)
        years = sorted({e.year for e in entries if e.year})
        if one_year and year is None and len(years) > 1:
            # 2009–2025 on one Jan–Dec axis cannot be read: the latest year, the others named
            entries = [e for e in entries if e.year == years[-1]]
            notes = [*notes, f"图中是{years[-1]}年的工作安排；另有{'、'.join(f'{y}年' for y in years[:-1])}的，"
                             f"写明年份即可查看。"]
        return entries, notes

    def section(self, doc_id: str, start: int) -> Citation | None:
        """The whole top-level section (一、…) that the passage at `start` of a document comes
        from, as a citation of the source text; None when the document is no longer indexed."""
        state = self.state
        doc = state.built.documents.get(doc_id)
        chunks = state.searcher.chunks_of(doc_id)
        before = [c for c in chunks if c.start <= start]
        if doc is None or not before:
            return None
        top = max(before, key=lambda c: c.start).heading.split(" > ")[0]
        same = [c for c in chunks if c.heading == top or c.heading.startswith(top + " > ")]
        lo, hi = min(c.start for c in same), max(c.end for c in same)
        return Citation(doc=doc_id, title=doc.title, doc_number=doc.doc_number, region=place_name(doc),
                        year=doc.year, heading=top, text=doc.text[lo:hi].strip(), start=lo, end=hi,
                        page=doc.page_at(lo))

    def documents(self) -> list[Document]:
        return sorted(self.state.built.documents.values(), key=lambda d: (d.region, d.year or 0))

    def now(self) -> datetime:
        from zoneinfo import ZoneInfo
        if self._now is not None:
            return self._now()
        if self.config.clock_start is not None:
            return self.config.clock_start + timedelta(seconds=time.monotonic() - self._clock_origin)
        return datetime.now(ZoneInfo(self.config.timezone))

    def ask(self, question: str, top_k: int | None = None, chat: str | None = None,
            reply_to: str | None = None) -> Answer:
        """Answer one question from the current index; with `chat`, a follow-up takes what it
        leaves out from that chat's previous question — or from `reply_to`, the question whose
        answer the user replied to."""
        state = self.state
        top_k = top_k or self.config.top_k
        query = self.parse(question)
        with self._asked_lock:
            self._asked += 1
        if query.asked.invalid:
            return invalid_time(query, query.asked.invalid)
        prev = self.conversations.last(chat) if chat is not None else None
        if reply_to:
            prev = Turn(self.parse(reply_to), Answer(reply_to, "none", ""), 0.0)
        # a question form alone (“要交什么”) asks about the previous question's subject
        bare_form = query.problem == "empty" and prev is not None
        if query.problem and not query.followup and not bare_form:
            return invalid(query)
        understood = ""
        answer = None
        if prev is not None and query.followup == "more":
            answer = more_answer(query, prev.answer, top_k, compose.REPLY_BUDGET)
            query = prev.query
        elif prev is not None and query.followup == "detail":
            query = replace(prev.query, question=question, intent="passage")
        elif prev is not None and (query.followup == "short" or bare_form or
                                   (prev.query.regions and not query.regions and not query.doc_ids)):
            query = self.parse(merged_question(prev.query, query))
            query.question = question
            understood = query.norm
        elif query.followup and query.problem:
            return invalid(query)
        if answer is None:
            answer = self.answer(query, top_k, state)
            answer.understood = understood
        if chat is not None:
            self.conversations.remember(chat, query, answer)
        return answer

    def parse(self, question: str) -> Query:
        state = self.state
        vocab = state.built.bm25.term_id
        return parse_question(question, state.doc_list, state.aliases, self.now().date(),
                              state.speller, state.places,
                              lambda name: name in vocab or short_name(name) in vocab,
                              lambda part: part in self._words_text(state))

    def _words_text(self, state: State) -> str:
        """Every word of the index and each circular's title, issuer and place names, one per
        line: whether a part (测试) stands inside any of them (测试县, a name only the title and
        issuer carry). Built on first need for a build, as few questions ask it."""
        if self._words is None or self._words[0] is not state.built:
            names = [normalize(x) for d in state.doc_list
                     for x in (d.title, d.issuer, d.region, *d.aliases, *d.region_path) if x]
            self._words = (state.built, "\n".join([*state.built.bm25.vocab, *names]))
        return self._words[1]

    def answer(self, query: Query, top_k: int, state: State | None = None) -> Answer:
        """Dispatch on the question's intent; what the reply is made of (the special answer, the
        passages, a decline) is compose's to decide, and its evidence stays on the answer."""
        state = state or self.state
        evidence = compose.Evidence(query.intent, query.confidence)
        docs = state.doc_list
        if query.unknown_places and not query.doc_ids:
            # a place no document is from may still be one they name, or above or under one
            # they name (宁德 for a notice that names 福安市): those documents are asked
            docs = [d for d in docs if all(naming(state.places, p, d) for p in query.unknown_places)]
            if not docs:
                evidence.decision, evidence.reason = "decline", "问题中的地名不见于任何已收录文件"
                return _explained(no_place(query, state.doc_list), evidence)
        if query.doc_ids:
            plans = [d for d in state.doc_list if d.doc_id in query.doc_ids]
            year_notes = other_year(query, plans)
            evidence.scope_reason = "问题写明了文号或标题"
        else:
            plans, year_notes = select_plans(docs, query.regions, query.asked.year,
                                             query.asked.year_is_relative, by_text=True)
            evidence.scope_reason = ("问题中的地区：" + "、".join(query.regions) if query.regions else
                                     "正文提到" + "、".join(query.unknown_places) if query.unknown_places
                                     else "全部地区")
        evidence.scope = [d.doc_id for d in plans]
        if not plans:
            evidence.decision, evidence.reason = "decline", "所问年份没有文件"
            return _explained(no_answer(query, year_notes), evidence)
        hits = state.searcher.search(query, {d.doc_id for d in plans}, k=top_k * 8)
        if query.asked.months and query.intent in ("month", "yesno", "passage", "list"):
            # the passages that date something in the month asked come first: a month question
            # and the passage that answers it share a time, seldom a word
            dated = state.searcher.dated_hits(query, {d.doc_id for d in plans}, query.asked.months, top_k * 2, hits)
            ids = {h.chunk.chunk_id for h in dated}
            hits = dated + [h for h in hits if h.chunk.chunk_id not in ids]
        if query.doc_ids or query.is_meta:
            hits = state.searcher.with_heads(query, hits, query.doc_ids or [d.doc_id for d in plans][:MAX_HEADS])
        evidence.hits = hits[:8]
        special = None
        fn = ANSWERS.get(query.intent) if query.confidence >= CONFIDENT else None
        if fn is not None:
            special = fn(query, plans, [], hits, state, top_k)
        # the year line the engine puts first counts against the reply's budget
        reserve = sum(len(n) + 1 for n in year_notes)
        answer = compose.reply(query, plans, hits, special, state.built.documents, top_k, [], evidence,
                               state.built.manifest.embedder, reserve)
        return _explained(self._year_line(query, answer, year_notes), evidence)

    @staticmethod
    def _year_line(query: Query, answer: Answer, year_notes: list[str]) -> Answer:
        """The year asked that the documents do not cover is said in the first line."""
        if year_notes:
            if not query.asked.year_is_relative:
                answer.unanswered = year_notes[0]
            answer.answer = "\n".join(year_notes + [answer.answer])
        return answer

    @property
    def questions_answered(self) -> int:
        return self._asked

    def month(self, month: int, where: str = "", year: int | None = None) -> Answer:
        """The `/month N` answer: every entry of that month, by region; `where` keeps the places
        it names and `year` that year's plans (a subscriber's digest)."""
        state = self.state
        query = parse_question(f"{month}月", state.doc_list, state.aliases)
        place = self.parse(where) if where.strip() else None
        if place is not None and not place.regions:
            return no_place(place, state.doc_list)
        # `/month 4` is this year's April: plans of past years answer, and the note says so
        relative = year is None
        query.asked = timeexpr.AskedTime(months=[month], year=year or self.now().year, year_is_relative=relative)
        plans, year_notes = select_plans(state.doc_list, place.regions if place is not None else [],
                                         query.asked.year, relative=relative)
        return self._year_line(query, time_answers.answer_month(query, plans, [], state.schedule), year_notes)


def naming(places, name: str, doc: Document) -> bool:
    """Whether a document speaks of a place: it names the place or one under it (a notice that
    names 福安市 for 宁德), or its own region is the place, above or under it (莆田市's notice
    for 城厢区). A place named above it (四川省 for 成都) is not that place."""
    own = "/".join(doc.region_path)
    return any(places.covers(name, p) for p in doc.places) or bool(
        own and (places.covers(name, own) or places.within(name, own)))


def _explained(answer: Answer, evidence: "compose.Evidence") -> Answer:
    answer.evidence = evidence
    return answer


def no_place(query: Query, docs: list[Document]) -> Answer:
    """A question about a place no indexed document comes from: said, never answered from
    another region's document."""
    held = "、".join(dict.fromkeys(place_name(d) for d in docs))
    return Answer(question=query.question, kind="none",
                  answer=f"没有收录{'、'.join(query.unknown_places)}的文件。目前收录的是：{held}。")


def invalid_time(query: Query, wording: str) -> Answer:
    text = (f"“{wording}”不是有效的日期。月份请用 1–12 月（如“四月”“11月”），"
            f"日期请用当月实际存在的日子。")
    return Answer(question=query.question, kind="invalid", answer=text)


HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")   # a Chinese character: the question is in Chinese


def invalid(query: Query) -> Answer:
    if query.problem == "too_long":
        text = "问题太长了，请用一两句话（300 字以内）描述想了解的内容，例如：“幼儿园办园行为督导评估在几月？”"
    elif HAN.search(query.question):
        # a question form with no subject (“要交什么”, “啥时候交”) and no chat to take one from
        text = ("这句话没有说是哪项工作。想问哪项工作什么时候做、要交什么？例如："
                "“督导工作总结什么时候交？”“幼儿园办园行为督导评估在几月？”“四月做什么？”")
    else:
        text = "没有看懂这个问题。请用中文提问，例如：“今年有哪些专项督导？”或“四月做什么？”"
    return Answer(question=query.question, kind="invalid", answer=text)
