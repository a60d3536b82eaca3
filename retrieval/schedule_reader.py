"""Schedule entries: dated activities from schedule tables and from dated sentences in the body."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from . import timeexpr
from .models import Chunk, Document, ScheduleEntry
from .scope import place_name
from .textnorm import SENTENCE, first_sentence

TIME_HEADERS = re.compile(r"时间|月份|日期|时限")
SKIP_HEADERS = re.compile(r"^(序号|备注|编号)$")
_CLAUSE = re.compile(r"[^。；！？，,]+[。；！？，,]?")


def fold(text: str) -> str:
    """Full-width → half-width character by character, so positions stay aligned with `text`."""
    out = []
    for ch in text:
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


def _time_column(chunk: Chunk) -> int | None:
    for i, name in enumerate(chunk.table_header):
        if TIME_HEADERS.search(name) and i < len(chunk.cells):
            return i
    for i, cell in enumerate(chunk.cells):
        w = timeexpr.parse(fold(cell)) if cell else None
        if w is not None and w.valid and w.months:
            return i
    return None


RE_PLAN_KIND = re.compile(r"要点|计划|安排|规划|方案")


def schedule_year(doc: Document) -> int | None:
    """The year a date without one falls in: a plan's own year, else the year the document was
    issued (a notice of 2009-02 about 2008's evaluation schedules 4月 of 2009)."""
    if doc.year and RE_PLAN_KIND.search(doc.title or ""):
        return doc.year
    for iso in (doc.date, doc.published, doc.printed_date):
        if iso:
            return int(iso[:4])
    return doc.year


def _entries(doc: Document, when: timeexpr.When, activity: str, when_text: str, start: int,
             end: int, source: str, heading: str) -> list[ScheduleEntry]:
    """One entry per calendar year the expression covers."""
    year = when.year or schedule_year(doc)
    out = [ScheduleEntry(doc.doc_id, place_name(doc), activity, when_text, when.months, year, start, end,
                         when.approximate, source, heading)]
    for y, months in sorted(when.extra_years.items()):
        out.append(ScheduleEntry(doc.doc_id, place_name(doc), activity, when_text, months, y, start, end,
                                 when.approximate, source, heading))
    return [e for e in out if e.months]


def _row_entries(doc: Document, chunk: Chunk) -> list[ScheduleEntry]:
    col = _time_column(chunk)
    if col is None:
        return []
    cell = chunk.cells[col]
    names = chunk.table_header
    content = [c for i, c in enumerate(chunk.cells)
               if i != col and c and not (i < len(names) and SKIP_HEADERS.match(names[i]))]
    activity = "；".join(content)
    # a cell numbering several items ("1.…… 2.……") is one entry per item, with the row's other cells
    split = [(k, items) for k, c in enumerate(content) if len(items := numbered_items(c)) > 1]
    activities = ([activity] if len(split) != 1 else
                  ["；".join(content[:split[0][0]] + [item] + content[split[0][0] + 1:]) for item in split[0][1]])
    folded = fold(cell)
    found = [w for w in timeexpr.find_all(folded) if w.valid]
    # several dated steps in one cell: "3月下旬: 第一轮视导 5月中旬: 第二轮视导 …"
    steps = [w for w in found if folded[w.end:w.end + 1] in (":", "：")]
    if len(steps) >= 2:
        out = []
        for i, w in enumerate(steps):
            label_end = steps[i + 1].start if i + 1 < len(steps) else len(cell)
            label = cell[w.end + 1:label_end].strip()
            text = cell[w.start:w.end]
            said = f"{activity}　{cell[w.start:label_end].strip()}"   # "…创建　11月中旬: 区级评估"
            out.extend(replace(e, said=said) for e in _entries(
                doc, w, f"{activity}：{label}" if label else activity, text, chunk.start, chunk.end,
                "table", chunk.heading))
        return out
    when = timeexpr.parse(folded)
    if when is None or not when.valid or not when.months:
        return []
    return [e for item in activities
            for e in _entries(doc, when, item, cell, chunk.start, chunk.end, "table", chunk.heading)]


_ITEM_NO = re.compile(r"(?<![\d.．])(\d{1,2})\s*[.．、](?!\d)")


def numbered_items(text: str) -> list[str]:
    """The items of a cell that numbers several ("1.召开工作会议 2.开展开学督导" → two), else the
    whole text: numbers must run 1, 2, 3 … from the cell's start."""
    marks, expect = [], 1
    for m in _ITEM_NO.finditer(text):
        if int(m.group(1)) == expect and (expect > 1 or not text[:m.start()].strip()):
            marks.append(m)
            expect += 1
    if len(marks) < 2:
        return [text]
    ends = [m.start() for m in marks[1:]] + [len(text)]
    items = [text[m.end():end].strip(" ；;，,") for m, end in zip(marks, ends)]
    return [item for item in items if item] or [text]


def _locate(raw: str, start: int, end: int, needle: str) -> tuple[int, int]:
    """Span of display text `needle` inside raw[start:end], ignoring the whitespace PDFs add."""
    pattern = r"\s*".join(re.escape(ch) for ch in needle if not ch.isspace())
    m = re.search(pattern, raw[start:end]) if pattern else None
    return (start + m.start(), start + m.end()) if m else (start, end)


_JOINERS = "，,。；、和及与至到以及 "


def _own_part(clause: str, found: list[timeexpr.When], k: int) -> str:
    """What follows the k-th date of a clause up to the next date, or the first later date's
    part when this one has none of its own."""
    for j in range(k, len(found)):
        stop = found[j + 1].start if j + 1 < len(found) else len(clause)
        part = clause[found[j].end:stop].strip(_JOINERS)
        if part:
            return part
    return ""


def _shares_action(clause: str, found: list[timeexpr.When]) -> bool:
    """Whether a date of the clause has no words of its own before the next date."""
    return any(not clause[w.end:nxt.start].strip(_JOINERS) for w, nxt in zip(found, found[1:]))


def _text_entries(doc: Document, chunk: Chunk, has_table: bool) -> list[ScheduleEntry]:
    out: list[ScheduleEntry] = []
    seen: set[tuple] = set()
    clauses = [m.group(0) for m in _CLAUSE.finditer(chunk.text)]
    for i, clause in enumerate(clauses):
        # a time inside a title (《…2023年下半年…工作计划》) names that document, not a step
        titles = [m.span() for m in re.finditer(r"《[^》]*》", clause)]
        found = [w for w in timeexpr.find_all(fold(clause)) if w.valid and w.months
                 and not any(a < w.start and w.end < b for a, b in titles)]
        for k, w in enumerate(found):
            # a table gives the plan's months: a school-term guess (春季开学 ≈ 2–3月) or a 全年 in
            # the body of a document with one adds nothing; a month or a date the body writes is
            # a step
            if has_table and (w.approximate or w.recurring):
                continue
            key = (fold(clause[w.start:w.end]), tuple(w.months), w.year)
            if key in seen:  # one passage repeating the same time (大足 18.: 春秋季开学 twice)
                continue
            seen.add(key)
            activity = clause.rstrip("，,。；")
            if len(found) > 1 and not any(x.approximate or x.recurring for x in found):
                # several dated events in one clause (“于2022年4月接受市级评估和2022年9月接受国家
                # 认定”): each keeps the clause's lead and its own part, up to the next date
                # (“3月、9月开展督导”: a date with nothing of its own shares the next one's)
                activity = clause[:found[0].start] + clause[w.start:w.end] + _own_part(clause, found, k)
            j = i + 1
            while len(activity) < 14 and j < len(clauses):
                activity += "，" + clauses[j].rstrip("，,。；")
                j += 1
            activity = re.sub(r"^\d{1,2}\s*[.．、]\s*", "", activity)
            s, e = _locate(doc.text, chunk.start, chunk.end, clause.rstrip("，,"))
            # a month or a date the sentence names is quoted whole; 每月/全年/春季开学 stand in
            # every month's list, by their clause alone
            said = "" if w.recurring or w.approximate else sentence_around(doc.text, s, e)
            if said and _is_title_of(said, chunk):
                # the dated sentence is the section's title (（五）总结报送（3月13日前）。): what is
                # done is the sentence after it
                said = _title_and_next(chunk.text) or said
            if not said and len(found) > 1 and not (w.recurring or w.approximate) \
                    and len(clause) <= SENTENCE_SHOWN and _shares_action(clause, found):
                # dates that share one action (分别于6月30日和12月20日前报送) are quoted as
                # written, not pieced together per date (分别于6月30日报送 is not in the text)
                said = re.sub(r"^\d{1,2}\s*[.．、]\s*", "", clause.rstrip("，,。；"))
            out.extend(replace(x, said=said) if said else x
                       for x in _entries(doc, w, activity, clause[w.start:w.end], s, e, "text", chunk.heading))
    return out


def _is_title_of(sentence: str, chunk: Chunk) -> bool:
    """Whether a sentence is the title its passage is filed under (the heading's last part)."""
    head = re.sub(r"\s+", "", chunk.heading.split(" > ")[-1])
    return bool(head) and re.sub(r"\s+", "", sentence).rstrip("。；.") == head.rstrip("。；.")


def _title_and_next(text: str) -> str:
    """A passage's title sentence and the sentence after it, when both fit in a reply's line."""
    sentences = [m.group(0) for m in SENTENCE.finditer(text)][:2]
    joined = " ".join("".join(sentences).split())
    return joined if len(sentences) == 2 and len(joined) <= 2 * SENTENCE_SHOWN else ""


_SENTENCE_END = "。；！？\n"
SENTENCE_SHOWN = 150   # a dated sentence longer than this is shown by its clause


def sentence_around(text: str, start: int, end: int) -> str:
    """The whole sentence of the source that holds text[start:end], as a reply shows a dated step
    (its clause alone leaves out what is done: …11月组织…开展省级督导评估，评估结果向社会公布。),
    without its item number; "" when it runs past SENTENCE_SHOWN or dates more than one step."""
    lo = max(text.rfind(ch, 0, start) for ch in _SENTENCE_END) + 1
    ends = [i for i in (text.find(ch, max(end - 1, start)) for ch in _SENTENCE_END) if i >= 0]
    hi = min(ends) + 1 if ends else len(text)
    sentence = re.sub(r"^\d{1,2}\s*[.．、]\s*", "", " ".join(text[lo:hi].split()))
    if len(sentence) > SENTENCE_SHOWN:
        return ""
    # a sentence of several dated steps (4月接受市级评估和9月接受国家认定): each step by its own part
    dated = [w for w in timeexpr.find_all(fold(sentence)) if w.valid and w.months]
    return sentence if len(dated) == 1 else ""


def single_period(doc: Document) -> timeexpr.When | None:
    """The one month a whole document is the plan of (“2018年3月…指导意见”, “10月份工作要点”):
    its title names exactly one month and no other time."""
    found = [w for w in timeexpr.find_all(fold(doc.title or "")) if w.valid and w.months]
    if len(found) == 1 and len(found[0].months) == 1 and not found[0].recurring:
        return found[0]
    return None


def _period_entries(doc: Document, chunks: list[Chunk], when: timeexpr.When) -> list[ScheduleEntry]:
    """Every passage of a single-month document is scheduled in that month."""
    out = []
    for chunk in chunks:
        if chunk.kind not in ("text", "row"):
            continue
        first = first_sentence(chunk.text)
        activity = re.sub(r"^\d{1,2}\s*[.．、]\s*", "", first)[:120]
        out.extend(_entries(doc, when, activity, when.text, chunk.start, chunk.end, "document",
                            chunk.heading))
    return out


def extract_schedule(doc: Document, chunks: list[Chunk]) -> list[ScheduleEntry]:
    """Dated activities of a document: every schedule-table row, plus dated body sentences; in a
    single-month document, every passage."""
    period = single_period(doc)
    entries: list[ScheduleEntry] = []
    if period is not None:
        # every passage is the month's; the dates its sentences write are steps of their own
        # (10月16日至10月27日 in a 10月 plan), what a when-question asks for
        entries = _period_entries(doc, chunks, period)
        for chunk in chunks:
            if chunk.kind == "text":
                # the document's own month said again (the title glued to the first passage)
                # is no step: a step names a day, a part of the month or other months
                entries.extend(e for e in _text_entries(doc, chunk, True)
                               if not (e.months == period.months and re.fullmatch(
                                   r"(\d{4}年)?[\d一二三四五六七八九十]{1,3}月份?", e.when_text.replace(" ", ""))))
        return entries
    for chunk in chunks:
        if chunk.kind == "row":
            entries.extend(_row_entries(doc, chunk))
    has_table = any(e.source == "table" for e in entries)
    dated_heads: set[str] = set()
    for chunk in chunks:
        if chunk.kind == "text":
            entries.extend(_text_entries(doc, chunk, has_table))
            entries.extend(_heading_entries(doc, chunk, dated_heads))
    return [e for e in entries if not _in_header(doc, e)]


HEADER_FIELDS = ("title", "date", "published", "printed_date")


def _in_header(doc: Document, e: ScheduleEntry) -> bool:
    """Whether an entry's time is the document's own — its title, signature or page date, as the
    metadata reader found them in whatever layout (2021-04-07 under the organ): no step."""
    return any(doc.spans[k][0] < e.end and e.start < doc.spans[k][1] for k in HEADER_FIELDS if k in doc.spans)


def _heading_entries(doc: Document, chunk: Chunk, done: set[str]) -> list[ScheduleEntry]:
    """A section whose heading dates it (（一）学校自评（2025年3月1日—3月31日）): its first passage
    is that time's step, said by the heading and the passage's first sentence."""
    head = chunk.heading.split(" > ")[-1]
    if head in done:
        return []
    found = [w for w in timeexpr.find_all(fold(head)) if w.valid and w.months
             and not w.approximate and not w.recurring]
    if len(found) != 1 or found[0].text in chunk.text:
        return []   # no date of its own, or one the passage says again (read there)
    done.add(head)
    w = found[0]
    label = re.sub(r"^[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]\s*", "", head)
    activity = f"{label}：{first_sentence(chunk.text)}"
    return _entries(doc, w, activity, w.text, chunk.start, chunk.end, "text", chunk.heading)
