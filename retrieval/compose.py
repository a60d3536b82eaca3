"""What a reply is made of — a special answer, the passages, or a decline — decided in one place,
with the evidence kept so that `ask --explain` can print why.

The floor: whatever a special answer (month, when, meta, list, yes/no …) or a gate decides, the
reply never shows less than passage search found in the documents asked about. A special answer
that found what was asked comes first and the best passages it does not already quote follow,
within the reply budget; one that is unsure or found nothing steps aside for the passages. "The
documents do not say" is said only on the evidence `decline.judge` weighs, and even then the
closest passages are shown under it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from . import decline
from .answer import answer_meta, answer_passages, citation, declined_answer, excerpt, passages_head
from .chunker import HEAD, row_text
from .details import asked_detail, given_at, missing_detail, topic_words, topical
from .meta import field_evidence
from .models import Answer, Citation, Document, Hit, Line
from .query import Query
from .render import source_text, to_text
from .scope import kind_name
from .textnorm import SENTENCE, normalize
from .timeexpr import find_all, says_when

REPLY_BUDGET = 800       # characters of a reply read on a phone
MONTH_BUDGET = 1500      # a month's plan may run longer


def budget(kind: str) -> int:
    return MONTH_BUDGET if kind == "month" else REPLY_BUDGET


@dataclass
class Evidence:
    """Why a reply is made as it is: printed by `ask --explain`."""
    intent: str
    confidence: float
    scope: list[str] = field(default_factory=list)        # the documents searched
    scope_reason: str = ""
    hits: list[Hit] = field(default_factory=list)          # the best passages, with their scores
    special: str = ""                                      # the special answer tried, and what it gave
    decision: str = ""                                     # special | special+passages | passages | decline
    special_found: bool = False                            # the special answer found what was asked
    reason: str = ""
    verdict: decline.Verdict | None = None


def _same(a: Citation, b: Citation) -> bool:
    return a.doc == b.doc and a.start < b.end and b.start < a.end


def _covers(a: Citation, b: Citation) -> bool:
    """Whether quote `a` shows all that quote `b` shows: its span holds b's, and its text b's text
    (an item quoted by its title alone, or a clause of a passage, shows none of the rest)."""
    if not (a.doc == b.doc and a.start <= b.start and b.end <= a.end):
        return False
    shown_a, shown_b = _shown(a), _shown(b)
    if shown_b in shown_a:
        return True
    # the same words with an item's number left out (1.视察… quoted as 视察…) or a tail cut
    same = SequenceMatcher(None, shown_a, shown_b, autojunk=False).get_matching_blocks()
    return sum(m.size for m in same) >= SHOWN_SHARE * len(shown_b)


SHOWN_SHARE = 0.8   # share of a quote's characters another must show to stand for it


def _shown(c: Citation) -> str:
    return "".join(normalize(c.text).replace("…", " ").split())


def found(special: Answer | None) -> bool:
    """Whether a special answer found what was asked (not "none", nothing left unanswered)."""
    return special is not None and special.kind not in ("none", "invalid") and not special.unanswered


def times(citations: list[Citation]) -> list:
    """The time expressions (a month, a date, a deadline) the quoted texts give."""
    return [w for c in citations for w in find_all(normalize(c.text)) if not w.approximate]


def refuted(query: Query, claim_kind: str, citations: list[Citation]) -> bool:
    """Whether the passages show what a special answer says the documents lack: a time for a
    when-question, the asked month for a month question, the field for a meta question."""
    if claim_kind == "meta":
        return any(field_evidence(query.meta_field, c.text) for c in citations)
    if claim_kind == "month":
        asked = set(query.asked.months)
        # 每月 or 上半年 does not date a step in the month asked
        return any(asked & set(w.months) for w in times(citations) if not w.recurring and len(w.months) < 6)
    if claim_kind in ("when", "yesno", "order"):
        return any(says_when(normalize(c.text)) for c in citations)
    return True   # a special answer with no claim of its own: the passages decide


def _named_heads_first(query: Query, special: Answer | None, floor: Answer, hits: list[Hit],
                       docs: dict) -> Answer:
    """A question about a document it names (学前法是哪天通过的, 郑州督导条例哪天批的) that no
    special answer answers: that document's header lines (dates, organs) come first when they
    give what is asked."""
    if not query.doc_ids or found(special) or (special is None and "when" not in query.forms):
        return floor
    asked = query.intent if special is not None else "when"
    for h in hits:
        if h.chunk.kind == "head" and h.chunk.doc_id in query.doc_ids:
            cite = citation(docs[h.chunk.doc_id], h.chunk)
            if refuted(query, asked, [cite]) and not any(_same(cite, c) for c in floor.citations[:1]):
                rest = [c for c in floor.citations if not _same(c, cite)]
                return replace(floor, citations=[cite, *rest][:max(len(floor.citations), 1)])
    return floor


def agrees(special: Answer, floor: Answer) -> bool:
    """Whether the special answer already quotes all that passage search quotes first: a
    clause of the best passage (a dated step) leaves the rest of it (who, how) to be quoted."""
    if not floor.citations:
        return True
    return any(_covers(s, floor.citations[0]) for s in special.citations)


def reply(query: Query, plans: list[Document], hits: list[Hit], special: Answer | None, docs: dict,
          top_k: int, notes: list[str], evidence: Evidence, embedder: str = "", reserve: int = 0) -> Answer:
    """The reply to a question from its hits and the special answer tried (None: none tried);
    `reserve`: characters the engine adds to it afterwards (a line on the year asked)."""
    floor = answer_passages(query, hits, docs, top_k, notes)
    floor = _named_heads_first(query, special, floor, hits, docs)
    verdict = decline.judge(query, hits, floor.citations, embedder)
    evidence.verdict = verdict
    if special is not None:
        evidence.special = f"{special.kind}{'（' + special.unanswered + '）' if special.unanswered else ''}"
    if found(special):
        evidence.decision, evidence.special_found = "special", True
        floor = _with_sources(query, special, floor, hits, docs)
        answer = special if agrees(special, floor) else _with_passages(special, floor, evidence, EXTRA)
    elif special is not None and not refuted(query, query.intent, _witnesses(query, special, floor)):
        # what the special answer says is missing is missing from the passages too; the closest
        # passages still follow, so that the reader sees what the documents do say
        evidence.decision, evidence.reason = "special", special.unanswered or special.answer
        answer = _with_passages(special, _closest(floor, verdict), evidence, EXTRA)
        answer.unanswered = answer.unanswered or special.answer.split("\n")[0]
    elif verdict.decline and query.doc_ids and not query.is_meta \
            and verdict.features.get("coverage", 0.0) < CLOSEST:
        # it names a document and asks nothing its text holds (“…工作计划的全称是什么”): the
        # document itself is the answer — its title and where that stands
        evidence.decision, evidence.reason = "special", "问题所指的文件本身"
        answer = answer_meta(replace(query, meta_field="title"), [d for d in plans if d.doc_id in query.doc_ids],
                             notes)
    elif verdict.decline:
        evidence.decision, evidence.reason = "decline", verdict.reason
        answer = declined_answer(query, notes, verdict.missing, _closest(floor, verdict).citations[:2],
                                 kind_name(plans))
    else:
        evidence.decision = "passages"
        if special is not None:
            evidence.reason = "特殊回答说缺少的内容，原文中有：由原文回答"
        answer = floor
    answer = _detail_line(query, answer, hits, docs)
    return _filled(query, answer, floor, evidence, docs, reserve)


def _filled(query: Query, answer: Answer, floor: Answer, evidence: Evidence, docs: dict,
            reserve: int) -> Answer:
    """The floor kept to the end: after all a reply shows, the other passages the search found
    (the rest of a passage quoted in part, the next best ones) while the reply fits the budget
    of what was asked — word coverage and a special answer's choice both misjudge at times which
    passage answers, and the passage a plain search would show must still be there. A reply
    that says the documents lack what was asked shows only the closest passages it has."""
    if answer.unanswered or answer.kind in ("none", "invalid", "meta") or evidence.decision == "decline":
        return answer   # a metadata field is quoted from the line that gives it
    # a month's list may run to its own budget, passages added to any reply only to this one
    limit = REPLY_BUDGET - reserve
    pool = [c for c in [*floor.citations, *floor.more]
            if not any(_covers(s, c) for s in answer.citations)]
    # each passage's cost counted from its own lines (rendering the whole reply per candidate
    # was a tenth of an answer's time); the reply as built is measured at the end
    length = len(to_text(answer))
    numbered = answer.kind == "passages" and not answer.sections
    related = next((sec for sec in answer.sections if sec.title == RELATED), None)
    shown = len(answer.citations) if numbered else \
        sum(line.role == "passage" for line in related.lines) if related else 0
    opened = numbered or related is not None
    kept: list[Citation] = []
    for c in pool:
        if any(_covers(k, c) for k in kept):
            continue
        cost = len(f"{shown + 1}. {c.text}") + len(source_text(Line("", c, "source"))) + 2 \
            + (0 if opened else len(RELATED) + 1) + HEAD_SLACK
        if length + cost <= limit:
            kept.append(c)
            length, shown, opened = length + cost, shown + 1, True
    filled = _with(answer, kept, docs)
    while kept and len(to_text(filled)) > limit:
        kept.pop()
        filled = _with(answer, kept, docs)
    if not kept:
        return answer
    evidence.decision = evidence.decision if "+passages" in evidence.decision else evidence.decision + "+passages"
    filled.more = [m for m in answer.more if not any(_same(m, k) for k in kept)]
    return filled


HEAD_SLACK = 2   # a passage answer's first line may grow (9 → 10 段, another kind of document)


def _with(answer: Answer, extra: list[Citation], docs: dict) -> Answer:
    """The answer with `extra` passages after its own: a passage answer numbers them on."""
    if answer.kind == "passages" and not answer.sections:
        cites = [*answer.citations, *extra]
        head = answer.answer.split("\n")
        head[0] = passages_head(kind_name(docs[c.doc] for c in cites), len(cites))
        return replace(answer, answer="\n".join(head), citations=cites)
    return _appended(answer, extra)


TIME_CLAIMS = ("when", "yesno", "order")
TIME_WITNESSES = 1   # of the floor's passages, how many may show a time a special answer says is missing


def _witnesses(query: Query, special: Answer, floor: Answer) -> list[Citation]:
    """The passages that may refute what a special answer says the documents lack. A time is
    refuted only by the passages about the activity asked — the special answer's own and the
    best one found — not by any date of a passage about something else (2023年 of a report's
    monitoring item does not date its 市级评估)."""
    if query.intent in TIME_CLAIMS:
        # the header's dates are the document's own: they date what is asked only when the
        # header names it (学前法是哪天通过的 of “…会议通过”), not another activity
        body = [c for c in floor.citations if c.heading != HEAD]
        heads = [c for c in floor.citations if c.heading == HEAD and _names_asked(query, c)]
        return heads + body[:TIME_WITNESSES] + special.citations
    return floor.citations + special.citations


def _names_asked(query: Query, c: Citation) -> bool:
    """Whether a quote names a word of the question other than its document's title."""
    text, title = normalize(c.text), normalize(c.title or "")
    return any(t in text for t in query.tokens if t not in title)


def _with_sources(query: Query, special: Answer, floor: Answer, hits: list[Hit], docs: dict) -> Answer:
    """The floor with, first, the passages a special answer quotes a clause of (a dated step):
    the rest of such a passage says who and how (开学第一天责任督学须全部到岗进校)."""
    if special.kind not in ("when", "yesno", "order"):
        return floor
    own = []
    for h in hits:
        c = h.chunk
        if c.kind == "text" and any(s.doc == c.doc_id and c.start <= s.start and s.end <= c.end
                                    and (s.start, s.end) != (c.start, c.end) for s in special.citations):
            own.append(citation(docs[c.doc_id], c, excerpt(c.text, query.tokens)))
    if not own:
        return floor
    rest = [f for f in floor.citations if not any(_same(f, o) for o in own)]
    return replace(floor, citations=own[:1] + rest)


EXTRA = 2   # passages added after a special answer that does not quote the best one
CLOSEST = 0.2   # coverage from which the closest passages are shown under a decline


def _closest(floor: Answer, verdict: decline.Verdict) -> Answer:
    """The floor's passages to show under a claim that the documents lack something: none when
    even the best shares hardly a word with the question (高考报名 against supervision plans)."""
    if verdict.features.get("coverage", 0.0) >= CLOSEST:
        return floor
    return replace(floor, citations=[])


def _with_passages(special: Answer, floor: Answer, evidence: Evidence, most: int) -> Answer:
    """The special answer, then up to `most` of the floor's passages it does not quote, while
    the reply fits its budget."""
    limit = budget(special.kind)
    extra = [c for c in floor.citations if not any(_covers(s, c) for s in special.citations)][:most]
    if not extra:
        return special
    answer = special
    kept: list[Citation] = []
    for c in extra:
        trial = _appended(special, kept + [c])
        if len(to_text(trial)) > limit:
            break
        kept.append(c)
        answer = trial
    if kept:
        evidence.decision = "special+passages"
    return answer


RELATED = "相关原文："


def _appended(special: Answer, extra: list[Citation], first: bool = False) -> Answer:
    """A copy of the answer with `extra` passages quoted after its own sections (`first`: before
    them, as the passage that gives what was asked)."""
    from .render import passages, sections
    own = sections(special)
    if first and special.kind in ("passages", "exists"):
        return replace(special, sections=[], citations=[*extra, *special.citations][:len(special.citations) + 1])
    section = passages(extra)
    section.title = RELATED
    if not first and own and own[-1].title == RELATED:
        # more passages after those already added: one numbered list
        section.lines = own[-1].lines + section.lines
        own = own[:-1]
    parts = [section, *own] if first else [*own, section]
    cites = [*extra, *special.citations] if first else [*special.citations, *extra]
    return replace(special, sections=parts, citations=cites)


def _detail_line(query: Query, answer: Answer, hits: list[Hit], docs: dict) -> Answer:
    """A detail asked for (地点, 时长, 名单 …) that no quoted text gives is looked for in the other
    passages found; one that gives it is quoted first; only when none does is it said missing."""
    if answer.kind in ("none", "meta", "invalid"):
        return answer
    topic = topic_words(query.norm, query.tokens, query.alts)
    detail = missing_detail(query.norm, [c.text for c in answer.citations], topic)
    if not detail or ("when" in query.forms and detail not in TIME_DETAILS):
        return answer   # 什么时候公布举报电话 asks when, not for the telephone
    name, gives = asked_detail(query.norm)
    topic = topic if topical(name) else []
    # as much about the question as the best passage: a number of schools elsewhere in the
    # plan does not say how many this item checks
    bar = max(CLOSEST, DETAIL_KEEP * max((h.coverage for h in hits[:DETAIL_SEARCH]), default=0.0))
    for h in hits[:DETAIL_SEARCH]:
        text = row_text(h.chunk)
        m = given_at(gives, text, topic)
        if m and h.coverage >= bar:
            cite = citation(docs[h.chunk.doc_id], h.chunk, sentence_at(text, m.start()))
            if not any(_covers(c, cite) for c in answer.citations):
                first = _appended(answer, [cite], first=True)
                # the sentence that gives it comes first only while the reply fits its budget
                return first if len(to_text(first)) <= budget(answer.kind) else answer
    answer.answer = f"文件没有写明{detail}。以下是文件中相关的内容：\n{answer.answer}"
    answer.unanswered = answer.unanswered or f"没有写明{detail}"
    return answer


DETAIL_SEARCH = 8   # passages searched for a detail the quoted ones do not give
TIME_DETAILS = ("具体日期", "时长")   # the details a when-question may ask for
DETAIL_KEEP = 0.9   # … that cover the question about as well as the best one


def sentence_at(text: str, pos: int) -> str:
    """The sentence of `text` that holds position `pos`, marked … where the passage goes on."""
    for m in SENTENCE.finditer(text):
        if m.start() <= pos < m.end():
            return ("…" if m.start() > 0 else "") + m.group(0) + ("…" if m.end() < len(text) else "")
    return text[max(0, pos - 60):pos + 60]
