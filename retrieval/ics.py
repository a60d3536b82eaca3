"""The year plan as an iCalendar file (RFC 5545, written by the `icalendar` package): all-day events
for dates and ranges, a month-long event for a month item, 上旬/中旬/下旬 as their ten days, 每月 as
a monthly repeat. Each event's UID comes from the document and the entry, so re-importing a later
export updates the events instead of adding them twice."""
from __future__ import annotations

import hashlib
import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from . import timeexpr
from .models import Document, ScheduleEntry
from .scope import place_name
from .render import HEADING_SHOWN, TITLE_SHOWN, clip, page_label
from .schedule_reader import fold

SUMMARY_SHOWN = 120
NO_DATED_PLAN = "没有可以导出的日程（所选文件没有写明时间的工作安排）。"


@dataclass
class PlanEvent:
    """One calendar event of the plan: all-day from `first` to `last` inclusive."""
    uid: str
    first: date
    last: date
    summary: str
    description: str
    monthly: int = 0    # repeat on the same day of each month this many times (每月)


def _runs(months: list[int]) -> list[tuple[int, int]]:
    """Consecutive months as (first, last) runs: [3, 4, 9] → (3, 4), (9, 9)."""
    runs: list[tuple[int, int]] = []
    for m in sorted(set(months)):
        if runs and m == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], m)
        else:
            runs.append((m, m))
    return runs


def entry_days(e: ScheduleEntry) -> list[tuple[date, date, bool]]:
    """The (first, last, monthly) days of one entry in its year: each written date, range or
    ten-day part; else its months as month-long runs; 每月 as one monthly-repeating day."""
    if e.year not in timeexpr.YEARS:   # None, or a year no calendar day of ours reaches
        return []
    found = [w for w in timeexpr.find_all(fold(e.when_text)) if w.valid]
    if any(w.recurring for w in found):
        return [(date(e.year, min(e.months), 1), date(e.year, min(e.months), 1), True)]
    spans = [s for w in found if not w.approximate and (s := w.dates(e.year)) is not None]
    if spans:
        # a range into another year is one event, under the year it starts in: the entry of
        # the later year adds none
        return [(a, b, False) for a, b in spans if a.year == e.year]
    return [(date(e.year, a, 1), date(e.year, z, monthrange(e.year, z)[1]), False) for a, z in _runs(e.months)]


def whole_months(first: date, last: date) -> bool:
    """Whether a span is whole months (a month item), not days or a ten-day part."""
    return first.day == 1 and last.day == monthrange(last.year, last.month)[1]


def plan_events(entries: list[ScheduleEntry], docs: dict[str, Document]) -> list[PlanEvent]:
    """Calendar events of schedule entries, with their source in the description."""
    events = []
    for e in entries:
        doc = docs.get(e.doc_id)
        if doc is None:
            continue
        region = place_name(doc)
        source = " ".join(p for p in (
            f"{region} {e.year}年" if e.year else region,
            f"《{clip(doc.title, TITLE_SHOWN)}》" if doc.title else "", doc.doc_number,
            f"› {clip(e.heading, HEADING_SHOWN)}{page_label(doc.page_at(e.start))}" if e.heading else "") if p)
        for i, (first, last, monthly) in enumerate(entry_days(e)):
            key = "|".join([doc.doc_number or doc.doc_id, str(e.year), e.when_text, e.activity, str(i)])
            uid = hashlib.sha1(key.encode("utf-8")).hexdigest() + "@dudao"
            events.append(PlanEvent(uid, first, last, clip(f"【{region}】{e.activity}", SUMMARY_SHOWN),
                                    f"{e.when_text}：{e.activity}\n出处：{source}", len(e.months) if monthly else 0))
    return events


def to_ics(events: list[PlanEvent], name: str = "督导工作安排") -> bytes:
    """An iCalendar file of the events (DTEND exclusive, as RFC 5545 has it for all-day events)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//dudao//督导助手//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp = datetime.now(timezone.utc)
    for ev in events:
        item = Event()
        item.add("uid", ev.uid)
        item.add("dtstamp", stamp)
        item.add("dtstart", ev.first)
        item.add("dtend", ev.last + timedelta(days=1))
        item.add("summary", _text(ev.summary))
        item.add("description", _text(ev.description))
        if ev.monthly > 1:
            item.add("rrule", {"freq": "monthly", "count": ev.monthly})
        cal.add_component(item)
    return cal.to_ical()


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _text(value: str) -> str:
    """TEXT as RFC 5545 allows it: no control characters but the line break (a tab is a space)."""
    return _CONTROL.sub(" ", value)


@dataclass
class Export:
    """An iCalendar export: the file (None when nothing is dated) and what it holds."""
    data: bytes | None
    events: int
    documents: int
    notes: list[str]


def export(engine, where: str = "") -> Export:
    """The plans `where` names (“武胜 2021”, “广安”, "" for every region's latest) as an .ics file."""
    entries, notes = engine.plan_entries(where)
    events = plan_events(entries, engine.state.built.documents)
    return Export(to_ics(events) if events else None, len(events), len({e.doc_id for e in entries}), notes)
