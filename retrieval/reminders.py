"""When a subscriber is told what: the month's plan on the first working day of each month, and a
dated step (a day, a range, 上旬 …) some days before it starts or falls due. Worked out from the
current index at each check, so a reindex that changes the plan changes what comes next."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .ics import plan_events
from .models import Answer, ScheduleEntry
from .scope import place_name, select_plans
from .subscriptions import Subscription
from .time_answers import entry_citation, months_text

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


@dataclass
class Reminder:
    """One message owed to one chat at `at`; `key` names the occasion, so it goes out once."""
    key: str
    chat_id: int
    at: datetime
    kind: str                       # "digest" | "step"
    region: str
    year: int
    month: int
    entry: ScheduleEntry | None = None
    target: date | None = None      # the day the step starts or falls due


def subscribable(engine) -> list[str]:
    """The places with a plan, as /subscribe offers them."""
    return sorted(dict.fromkeys(place_name(d) for d in engine.documents() if d.region_key))


def resolve_place(engine, text: str) -> tuple[str | None, str]:
    """(the one place a subscription to `text` covers, or None with the reason, in Chinese)."""
    query = engine.parse(text)
    if not query.regions:
        where = "、".join(query.unknown_places) or text
        return None, f"没有收录“{where}”的工作要点。可以订阅的地区：{'、'.join(subscribable(engine))}"
    names = sorted({place_name(d) for d in engine.documents() if d.region_key in query.regions})
    if len(names) != 1:   # a city or province naming several counties: one subscription each
        return None, f"“{text}”包含多个地区（{'、'.join(names)}），请逐个订阅。"
    return names[0], ""


def year_after(start: datetime) -> datetime:
    """The instant twelve months after `start` (29 February → 28 February)."""
    try:
        return start.replace(year=start.year + 1)
    except ValueError:
        return start.replace(year=start.year + 1, day=28)


def first_working_day(year: int, month: int) -> date:
    """The month's first working day by the official calendar (holidays and swapped working
    weekends, from `chinese_calendar`); Monday–Friday for years it does not cover yet."""
    import chinese_calendar

    day = date(year, month, 1)
    try:
        while not chinese_calendar.is_workday(day):
            day += timedelta(days=1)
        return day
    except NotImplementedError:
        if year not in _warned_years:
            _warned_years.add(year)
            log.warning("official holidays of %d not known to chinese_calendar: first weekday used", year)
        day = date(year, month, 1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day


def _months(start: datetime, end: datetime):
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _whole_months(first: date, last: date) -> bool:
    return first.day == 1 and (last + timedelta(days=1)).day == 1


def planned(engine, sub: Subscription, start: datetime, end: datetime, at: time) -> list[Reminder]:
    """Every reminder of one subscription between start and end (aware datetimes), in time order:
    a digest for each month its region's plan of that year covers, and one per dated step."""
    state = engine.state
    regions = engine.parse(sub.region).regions
    if not regions:
        return []   # the region is no longer held (its circular was removed)
    tz = start.tzinfo
    out: list[Reminder] = []
    years = sorted({y for y, _ in _months(start, end)} | {(end + timedelta(days=sub.days_before)).year})
    plans_of_year = {}
    for y in years:
        plans, _ = select_plans(state.doc_list, regions, y)
        plans_of_year[y] = [d for d in plans if d.year == y or y in d.years]
    for y, m in _months(start, end):
        if not any(e.year == y and m in e.months for d in plans_of_year[y] for e in state.schedule.get(d.doc_id, [])):
            continue    # nothing planned that month: no message at all rather than an empty one
        when = datetime.combine(first_working_day(y, m), at, tz)
        if start <= when <= end:
            out.append(Reminder(f"digest:{sub.chat_id}:{sub.region}:{y}-{m:02d}", sub.chat_id, when, "digest",
                                sub.region, y, m))
    seen = set()
    for y in years:
        for d in plans_of_year[y]:
            for e in state.schedule.get(d.doc_id, []):
                for ev in plan_events([e], state.built.documents):
                    if ev.monthly or _whole_months(ev.first, ev.last) or ev.uid in seen:
                        continue   # a month item is in its month's digest
                    seen.add(ev.uid)
                    when = datetime.combine(ev.first - timedelta(days=sub.days_before), at, tz)
                    if start <= when <= end:
                        out.append(Reminder(f"step:{sub.chat_id}:{ev.uid}", sub.chat_id, when, "step", sub.region,
                                            ev.first.year, ev.first.month, e, ev.first))
    out.sort(key=lambda r: (r.at, r.key))
    return out


def due(engine, subs: list[Subscription], now: datetime, at: time, lookback: timedelta) -> list[Reminder]:
    """Reminders whose time has come and that still make sense: a digest within its month and
    only for a chat subscribed before it was due; a step until its day has passed. `lookback`
    bounds how far back a restarted bot catches up."""
    out = []
    for sub in subs:
        for r in planned(engine, sub, now - lookback, now, at):
            if r.kind == "digest" and ((r.year, r.month) != (now.year, now.month) or sub.created > r.at):
                continue
            if r.kind == "step" and r.target < now.date():
                continue
            out.append(r)
    return out


def reminder_answer(engine, r: Reminder) -> Answer:
    """What a reminder says, as an answer with citations (rendered like any other reply)."""
    if r.kind == "digest":
        answer = engine.month(r.month, r.region, r.year)
        answer.answer = f"【{r.year}年{r.month}月提醒】{answer.answer}"
        return answer
    doc = engine.state.built.documents[r.entry.doc_id]
    days = (r.target - engine.now().date()).days
    soon = "今天" if days <= 0 else "明天" if days == 1 else f"还有 {days} 天"
    return Answer(question="", kind="reminder",
                  answer=f"【提醒】{place_name(doc)}：{soon}（{r.target.month}月{r.target.day}日）——"
                         f"{r.entry.when_text or months_text(r.entry.months)}：{r.entry.activity}",
                  citations=[entry_citation(doc, r.entry)])
