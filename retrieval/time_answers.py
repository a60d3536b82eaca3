"""Month and when questions answered from schedule entries: "四月做什么", "X在几月"."""
from __future__ import annotations

import re
from dataclasses import replace

from .compose import MONTH_BUDGET
from .answer import about_subject, citation, excerpt, relevant
from .lexical import mentions
from .models import Answer, Citation, Document, Hit, Line, ScheduleEntry, Section
from .scope import kind_name, place_name, year_label
from .schedule_reader import schedule_year
from .query import MONTH_WORDS, Query, without_form
from .render import to_text
from .textnorm import normalize
from .timeexpr import asked_days, day_level, find_all



NAMED_PLACES = 4   # places a note names one by one; more are counted


def months_text(months: list[int]) -> str:
    if months == list(range(1, 13)):
        return "全年每月"
    return "、".join(f"{m}月" for m in months)


def entry_text(e: ScheduleEntry, plan_year: int | None = None) -> str:
    """`四月　对幼儿园办园行为开展督导评估。` — the plan's own wording for time and activity, laid
    out as the source row is (a sentence that already names its time is quoted alone)."""
    when = e.when_text
    if e.approximate:
        when += f"（约{months_text(e.months)}，按学期推算）"
    if e.year and e.year != plan_year and str(e.year) not in e.when_text:
        when = f"{e.year}年 {when}"
    if e.source == "document":
        return e.activity
    if e.said and not e.approximate:
        return e.said if when == e.when_text else f"{e.year}年 {e.said}"
    if e.source == "text" and e.when_text in e.activity and not e.approximate and when == e.when_text:
        return e.activity
    return f"{when}　{e.activity}"


def entry_lines(doc: Document, entries: list[ScheduleEntry], plan_year: int | None) -> list[Line]:
    """Entries as items, grouped by the section they come from, each group followed by its
    source (文号 › section: the section title names region and year)."""
    lines = []
    for heading in dict.fromkeys(e.heading for e in entries):
        under = [e for e in entries if e.heading == heading]
        # steps of one sentence (于4月接受市级评估和9月接受国家认定) are quoted as it, once
        shown: dict[str, ScheduleEntry] = {}
        for e in under:
            shown.setdefault(entry_text(e, plan_year), e)
        lines.extend(Line(text, entry_citation(doc, e)) for text, e in shown.items())
        lines.append(Line("", entry_citation(doc, under[0]), "source", short=True))
    return lines


def entry_citation(doc: Document, e: ScheduleEntry) -> Citation:
    return Citation(doc=doc.doc_id, title=doc.title, doc_number=doc.doc_number, region=place_name(doc),
                    year=e.year, heading=e.heading, text=entry_text(e, doc.year), start=e.start,
                    end=e.end, page=doc.page_at(e.start))


def entry_json(e: ScheduleEntry) -> dict:
    """The `schedule` item of `ask --json`."""
    return {"region": e.region, "activity": e.activity, "when_text": e.when_text,
            "months": list(e.months), "year": e.year, "doc": e.doc_id, "start": e.start,
            "end": e.end, "approximate": e.approximate, "source": e.source}


def answer_month(query: Query, plans: list[Document], notes: list[str],
                 schedule: dict[str, list[ScheduleEntry]], keep=None) -> Answer:
    """Every entry covering the asked month(s) in the given plans, grouped by region; regions
    without a month table are named, so the user knows the list is complete."""
    notes = list(notes)
    asked = query.asked
    months = asked.months
    label = months_text(months)
    parts, cites, entries_out, no_table, empty = [], [], [], [], []
    for doc in sorted(plans, key=lambda d: d.region):
        year = schedule_year(doc)
        if asked.year and not asked.year_is_relative and asked.year != doc.year:
            year = asked.year  # e.g. 2022年4月 asked of a 2021 plan that schedules 2022 steps
        doc_entries = schedule.get(doc.doc_id, [])
        if any(e.source == "document" for e in doc_entries):
            # the plan of one month: its items are the month's list (their own dated steps are
            # for when-questions); another month asked gets the steps it dates in that month
            period = [e for e in doc_entries if e.source == "document"]
            doc_entries = period if any(set(e.months) & set(months) for e in period) else \
                [e for e in doc_entries if e.source != "document"]
        has_table = any(e.source in ("table", "document") for e in doc_entries)
        hits = [e for e in doc_entries if e.year == year and set(e.months) & set(months)
                and (keep is None or keep(e))]
        if not has_table:
            no_table.append(place_name(doc))
        if not hits:
            if has_table and year == doc.year:
                empty.append((place_name(doc), year))
            continue
        kind = ("（全文是该月的工作安排）" if any(e.source == "document" for e in hits)
                else "" if has_table else "（正文中写明时间的事项）")
        steps = _period_steps(doc_entries, schedule.get(doc.doc_id, []), hits, months, year)
        lines = period_lines(doc, hits, steps, year) if steps else entry_lines(doc, hits, year)
        parts.append(Section(place_name(doc), f"{year_label(year)}{kind}", lines))
        for e in hits + steps:
            cites.append(entry_citation(doc, e))
            entries_out.append(entry_json(e))
    if cites and len(empty) > 1:
        # several places with nothing that month: one line after the lists, not a section each
        said = "、".join(f"{p}（{year_label(y)}）" for p, y in empty)
        parts.append(Section(title=f"{label}没有列出工作安排的：{said}"))
    else:
        parts.extend(Section(p, f"{year_label(y)}{label}没有列出工作安排。") for p, y in empty)
    if no_table:
        no_table = list(dict.fromkeys(no_table))
        kinds = kind_name(d for d in plans if place_name(d) in no_table)
        named = "、".join(no_table) if len(no_table) <= NAMED_PLACES else \
            f"{'、'.join(no_table[:NAMED_PLACES])}等 {len(no_table)} 地"
        notes.insert(0, f"{named}的{kinds}未列月度安排表。")
    head = f"{label}的工作安排："
    unanswered = ""
    if not cites:
        head = f"{label}没有找到列明的工作安排。"
    elif len(months) < 6 and all(_every_month(e) for e in entries_out):
        # only what is done every month (每月到校督导): nothing is planned for this month itself;
        # those items still follow
        head = unanswered = f"{label}没有找到专门列明的工作安排，只有每月都要做的："
    answer = Answer(question=query.question, kind="month" if cites else "none", answer=head, citations=cites,
                    notes=notes, months=months, schedule=entries_out, sections=parts, unanswered=unanswered)
    return _within_budget(answer)


def _period_steps(shown: list[ScheduleEntry], entries: list[ScheduleEntry], items: list[ScheduleEntry],
                  months: list[int], year: int | None) -> list[ScheduleEntry]:
    """The dated steps written inside the items of a single-month document's list (于10月31日前
    提交督导记录表 in its item 7.), for the month asked: they say when within the month."""
    if not any(e.source == "document" for e in items):
        return []
    return [e for e in entries if e.source == "text" and e not in shown and e.year == year
            and set(e.months) & set(months) and len(e.months) < 6 and not e.approximate
            and any(i.start <= e.start < i.end for i in items)]


def period_lines(doc: Document, items: list[ScheduleEntry], steps: list[ScheduleEntry],
                 plan_year: int | None) -> list[Line]:
    """A single-month document's items, each with the dated steps its passage writes quoted
    under it, and one source line: every item is a section of the same document."""
    lines = []
    for item in items:
        title = entry_text(item, plan_year)
        lines.append(Line(title, entry_citation(doc, item)))
        said = {normalize(title)}
        for s in steps:
            text = entry_text(s, plan_year)
            if item.start <= s.start < item.end and normalize(text) not in said:
                said.add(normalize(text))
                lines.append(Line(text, entry_citation(doc, s), "quote"))
    whole = replace(entry_citation(doc, items[0]), heading="")
    lines.append(Line("", whole, "source", short=True))
    return lines


def _within_budget(answer: Answer) -> Answer:
    """A month list over its budget loses the dated steps quoted under its items, last first:
    the items themselves are the list."""
    while len(to_text(answer)) > MONTH_BUDGET:
        at = [(s, i) for s, sec in enumerate(answer.sections) for i, line in enumerate(sec.lines)
              if line.role == "quote"]
        if not at:
            break
        s, i = at[-1]
        del answer.sections[s].lines[i]
    return answer


def _every_month(entry: dict) -> bool:
    """An entry (as entry_json gives it) that recurs all year or spans half of it (每月, 上半年)
    rather than dating this month."""
    return len(entry.get("months", [])) >= 6


def _dated_elsewhere(query: Query, doc: Document, entries: list[ScheduleEntry], specific: set[str],
                     subject: bool) -> list[ScheduleEntry]:
    """Dated steps of the same document that answer a when-question whose best passage has no
    date: the steps naming the question's most specific word (仙游县 → “(六)仙游县:暂定10月19日—
    23日”), or — when the question is about the document's subject as a whole (its opening
    passage covers the question) — the steps of its time section (二、督导时间)."""
    named = [e for e in entries if any(t in normalize(f"{e.heading} {e.activity}") for t in specific)]
    if named:
        return named
    if subject:
        return [e for e in entries if re.search(r"时间|日程|安排", e.heading.split(" > ")[0])]
    return []


def step_score(query: Query, e: ScheduleEntry, weights: dict[str, float], title: str = "") -> float:
    """How much of the question a dated step names (its section's title and its own words),
    each topic word weighed by its rarity in the index; the words of the document's title
    (春季开学 in a 春季开学 notice) name every step of it and tell none apart."""
    topic = [t for t in query.tokens if t not in MONTH_WORDS and t not in title]
    total = sum(weights.get(t, 1.0) for t in topic)
    if not total:
        return 0.0
    text = normalize(f"{e.heading} {e.activity}")
    return sum(weights.get(t, 1.0) for t in topic if mentions(text, t, query.alts)) / total


BETTER_STEP = 0.15   # a step of the document that names this much more of the question replaces the found one
STEP_NAMES = 0.5     # … and at least this much of it


def _best_steps(query: Query, found: list[ScheduleEntry], entries: list[ScheduleEntry],
                weights: dict[str, float], title: str) -> list[ScheduleEntry]:
    """The steps to answer with in one document: those the passages found, unless another of its
    dated steps names clearly more of what is asked (实地督导 for the 实地督导 step, not 自查)."""
    own = [e for e in _own_dates(entries) if e.months and e.source != "document" and not e.approximate]
    if not own or not found:
        return found
    scores = {id(e): step_score(query, e, weights, title) for e in own}
    top = max(scores.values())
    have = max((step_score(query, e, weights, title) for e in found), default=0.0)
    if top >= max(have + BETTER_STEP, STEP_NAMES):
        return [e for e in own if scores[id(e)] == top]
    return found


def answer_when(query: Query, hits: list[Hit], docs: dict[str, Document],
                schedule: dict[str, list[ScheduleEntry]], notes: list[str],
                specific: set[str] | None = None, weights: dict[str, float] | None = None,
                subject=None) -> Answer | None:
    """When an activity happens, per region; None if no passage matches the activity. With no
    date anywhere for it, the answer says so (Answer.unanswered)."""
    good = relevant(hits)
    if not good:
        return None
    dated: dict[str, list[ScheduleEntry]] = {}
    undated: dict[str, Hit] = {}
    for h in good:
        c = h.chunk
        found = _the_named(query, _own_dates([e for e in schedule.get(c.doc_id, []) if e.start < c.end and c.start < e.end]))
        region = place_name(docs[c.doc_id])
        if not found and h is good[0]:
            found = _dated_elsewhere(query, docs[c.doc_id], schedule.get(c.doc_id, []), specific or set(),
                                     about_subject(good, docs[c.doc_id]))
        if weights is not None and found and region not in dated:
            found = _best_steps(query, found, schedule.get(c.doc_id, []), weights,
                                subject(c.doc_id) if subject else normalize(docs[c.doc_id].title))
        if found:
            lst = dated.setdefault(region, [])
            lst.extend(e for e in found if e not in lst)
        elif region not in undated:
            undated[region] = h
    parts, cites, entries_out, months = [], [], [], set()
    for region in sorted(dated):
        group = dated[region]
        if any(not e.approximate for e in group):
            # the dates a document writes, not the months a school-term word suggests
            group = [e for e in group if not e.approximate]
        doc = docs[group[0].doc_id]
        parts.append(Section(region, f"{doc.year}年{doc.kind}" if doc.year else doc.kind, entry_lines(doc, group, doc.year)))
        for e in group:
            cites.append(entry_citation(doc, e))
            entries_out.append(entry_json(e))
            months.update(e.months)
    for region in sorted(r for r in undated if r not in dated):
        h = undated[region]
        doc = docs[h.chunk.doc_id]
        cite = citation(doc, h.chunk, excerpt(h.chunk.text, query.tokens, 120))
        parts.append(Section(region, "文件提到此项工作，但没有写明时间：",
                             [Line(cite.text, cite, "quote"), Line("", cite, "source", short=True)]))
        cites.append(cite)
    head = "时间安排：" if dated else "找到相关工作，但文件没有写明时间："
    return Answer(question=query.question, kind="when", answer=head, citations=cites, notes=notes,
                  months=sorted(months), schedule=entries_out, sections=parts,
                  unanswered="" if dated else "没有写明时间")


def _own_dates(entries: list[ScheduleEntry]) -> list[ScheduleEntry]:
    """A passage's dated steps, if it has any, rather than the month its document is the plan of."""
    own = [e for e in entries if e.source != "document"]
    return own or entries


def named_words(query: Query, activity: str) -> int:
    """How many of the question's topic words an entry's activity names (synonyms count)."""
    text = normalize(activity)
    return sum(mentions(text, t, query.alts) for t in query.tokens if t not in MONTH_WORDS)


def _the_named(query: Query, entries: list[ScheduleEntry]) -> list[ScheduleEntry]:
    """Of the entries one sentence or row holds (“于4月接受市级评估和9月接受国家认定”), those whose
    own part names most of the question's words; all of them when none stands out."""
    by_span: dict[tuple[int, int], list[ScheduleEntry]] = {}
    for e in entries:
        by_span.setdefault((e.start, e.end), []).append(e)
    out = []
    for group in by_span.values():
        if len({e.activity for e in group}) > 1:
            score = {id(e): named_words(query, e.activity) for e in group}
            best = max(score.values())
            group = [e for e in group if score[id(e)] == best]
        out.extend(group)
    return out


def calendar_table(engine, region: str | None = None, month: int | None = None) -> str:
    """The extracted year plan as a plain table (region, year, months, wording, activity, source)."""
    state = engine.state
    docs = state.built.documents
    rows = []
    for e in state.built.schedule:
        doc = docs.get(e.doc_id)
        if region and doc and region not in [doc.region, *doc.aliases, *doc.region_path]:
            continue
        if month and month not in e.months:
            continue
        rows.append((e.region, year_label(e.year), months_text(e.months) + ("≈" if e.approximate else ""),
                     e.when_text, e.activity, "表格" if e.source == "table" else "正文"))
    if not rows:
        return "没有符合条件的日程。"
    header = ("地区", "年份", "月份", "原文时间", "事项", "来源")
    out = ["\t".join(header)]
    out.extend("\t".join(r) for r in rows)
    table_regions = {e.region for e in state.built.schedule if e.source == "table"}
    missing = sorted({place_name(d) for d in docs.values()} - table_regions)
    if missing:
        kinds = kind_name(d for d in docs.values() if place_name(d) in missing)
        out.append(f"（{'、'.join(missing)}的{kinds}未列月度安排表）")
    return "\n".join(out)


def topic_words(query: Query) -> list[str]:
    """The question's words that name an activity (not 做什么, 安排, 督导 …)."""
    return [t for t in query.tokens if t not in MONTH_WORDS]


def _month_answer(query, plans, notes, hits, state, top_k):
    """A month's plan; with topic words, only the entries about them (or, for a region the
    question names, the whole month when none is); None sends the question to passage search."""
    topic = topic_words(query)
    if not topic:
        return answer_month(query, plans, notes, state.schedule)
    docs = state.built.documents

    def about(e: ScheduleEntry) -> bool:
        text = normalize(f"{e.heading} {e.activity} {docs[e.doc_id].title}")
        return any(mentions(text, t, query.alts) for t in topic)

    answer = answer_month(query, plans, notes, state.schedule, keep=about)
    if any(e.get("source") == "document" for e in answer.schedule):
        # a single-month document: a question in the words of its title (10月份责任督学挂牌督导
        # 有哪些工作) asks for its list, one about something in it (户外活动) for its passages
        titles = " ".join(normalize(docs[e["doc"]].title) for e in answer.schedule)
        if any(t not in titles for t in topic):
            return None
        return answer_month(query, plans, notes, state.schedule)
    if answer.citations:
        return answer
    if query.regions and query.confidence >= 0.7:
        return answer_month(query, plans, notes, state.schedule)
    return None


def specific_words(query: Query, searcher) -> set[str]:
    """The question's rarest words (names of places, schools, items), by the index's IDF."""
    top = searcher.max_idf
    return {t for t in query.tokens if (searcher.bm25.idf(t) or 0.0) >= SPECIFIC * top}


def _when_answer(query, plans, notes, hits, state, top_k):
    return answer_when(query, hits, state.built.documents, state.schedule, notes,
                       specific_words(query, state.searcher), state.searcher.term_weights(query.tokens),
                       lambda doc_id: subject_text(state, doc_id))


def subject_text(state, doc_id: str) -> str:
    """What a document as a whole is about: its title, or, for a letter without one, its opening
    passage (…决定继续开展县域义务教育基本均衡发展国家督导评估认定工作): words every step of it shares."""
    doc = state.built.documents[doc_id]
    if doc.title:
        return normalize(doc.title)
    return " ".join(normalize(c.text) for c in state.searcher.chunks_of(doc_id)
                    if c.kind == "text" and c.heading.split(" > ")[0] == "通知")


def _yesno_answer(query, plans, notes, hits, state, top_k):
    """“……是不是在四月”: 是 / 不是, then the dated row that says when."""
    when = answer_when(query, hits, state.built.documents, state.schedule, notes,
                       specific_words(query, state.searcher))
    if when is None or not when.months:
        return None
    asked = set(query.asked.months)
    label = months_text(query.asked.months)
    # the month of the entry that names the asked event best, not of every entry shown
    # (考核 in 十二月, not 七月's 责任督学挂牌督导 that shares one word)
    score = [named_words(query, x["activity"]) for x in when.schedule]
    best = max(score, default=0)
    named = [x for x, n in zip(when.schedule, score) if n == best] or when.schedule
    months = sorted({m for x in named for m in x["months"]})
    precise = day_level(query.norm)
    if "只" in query.norm and set(months) - asked:
        when.answer = f"不是，不只在{label}，文件写的是{months_text(months)}。" + when.answer
    elif asked & set(months) and precise is not None and (verdict := _days_verdict(precise, named)):
        # 4月底 asked: the month agreeing is not enough; the days the document writes decide
        when.answer = verdict + when.answer
    elif asked & set(months):
        when.answer = f"是，在{label}。" + when.answer
    else:
        # the same sentence or row may date another event in the month asked: say which
        others = [e for x in named for e in state.schedule.get(x["doc"], [])
                  if (e.start, e.end) == (x["start"], x["end"]) and asked & set(e.months)]
        aside = f"（{label}的是：{others[0].activity}）" if others else ""
        when.answer = f"不是，文件写的是{months_text(months)}，不在{label}{aside}。" + when.answer
    when.kind = "yesno"
    return when


def _days_verdict(asked, named: list[dict]) -> str:
    """是/不是 for a question that asks about days (4月底), from the days the entries write: their
    days overlapping the asked ones, or not; an entry that names only the month does not say."""
    said, overlap, vague = [], False, False
    for x in named:
        for w in find_all(normalize(x["when_text"])):
            year = x["year"] or 2000
            mine, theirs = w.dates(year), asked_days(asked, year)
            if mine is None or theirs is None:
                continue
            said.append(x["when_text"])
            if not any(b[1] or b[2] for b in (w.lo, w.hi)):
                vague = True
            elif mine[0] <= theirs[1] and theirs[0] <= mine[1]:
                overlap = True
    if not said:
        return ""
    written = "、".join(dict.fromkeys(said))
    if overlap:
        return f"是，文件写的是{written}。"
    if vague:
        return f"文件写的是{written}，没有写明是不是{asked.text}。"
    return f"不是，文件写的是{written}，不是{asked.text}。"


SPECIFIC = 0.8   # share of the highest IDF from which a word counts as specific

RE_BOTH = re.compile(r"和|与|跟|同|还是|、")


def _best_entry(part: str, plans: list[Document], state) -> tuple[float, ScheduleEntry] | None:
    """The dated entry of the plans whose activity best matches one side of a which-first question."""
    from .lexical import expand, tokenize
    tokens = [t for t in tokenize(part) if t not in MONTH_WORDS]
    if not tokens:
        return None
    alts = expand(tokens)
    best = None
    for doc in plans:
        for e in state.schedule.get(doc.doc_id, []):
            if e.months == list(range(1, 13)):
                continue  # 每月 has no place in an order
            text = normalize(f"{e.heading} {e.activity}")
            got = sum(1 for t in tokens if mentions(text, t, alts))
            score = got / len(tokens)
            key = (score, -(e.year or 0), -min(e.months))
            if score >= 0.5 and (best is None or key > best[0]):
                best = (key, e)
    return (best[0][0], best[1]) if best else None


def _order_answer(query, plans, notes, hits, state, top_k):
    """“培训和挂牌督导检查哪个先搞”: both items with their months, earlier first; None unless both
    sides match a dated entry."""
    parts = [p.strip() for p in RE_BOTH.split(query.text) if p.strip()]
    if len(parts) < 2:
        return None
    found = []
    for part in parts[:2]:
        match = _best_entry(part, plans, state)
        if match is None:
            return None
        found.append((match[1], without_form(part, "order").strip() or part))
    if found[0][0] is found[1][0]:
        return None
    found.sort(key=lambda f: ((f[0].year or 0), min(f[0].months), f[0].start))
    (first, a), (second, b) = found
    docs = state.built.documents
    same = (first.year, min(first.months)) == (second.year, min(second.months))
    head = (f"两项都在{months_text(first.months)}：" if same else
            f"先{a}（{months_text(first.months)}），后{b}（{months_text(second.months)}）：")
    parts, cites = [], []
    for e in (first, second):
        doc = docs[e.doc_id]
        parts.append(Section(place_name(doc), "", entry_lines(doc, [e], doc.year)))
        cites.append(entry_citation(doc, e))
    return Answer(question=query.question, kind="order", answer=head, citations=cites, notes=notes,
                  months=sorted(set(first.months) | set(second.months)),
                  schedule=[entry_json(first), entry_json(second)], sections=parts)


ANSWERS = {"month": _month_answer, "when": _when_answer, "yesno": _yesno_answer,
           "order": _order_answer}
