"""When a subscriber is told what: the month's plan on the first working day of each month, and a
dated step (a day, a range, 上旬 …) some days before it starts or falls due. Worked out from the
current index at each check, so a reindex that changes the plan changes what comes next."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .ics import plan_events, whole_months
from .models import Answer, ScheduleEntry
from .scope import kind_name, place_name, select_plans, year_label
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


def nothing_ahead(engine, place: str, days: int, now: datetime, at: time) -> str:
    """What a subscription to `place` should be told first when it would bring nothing in the
    next twelve months (its plans are all of past years), else "": said from the reminders it
    would get, not guessed from the years."""
    sub = Subscription(0, place, days, now)
    if planned(engine, sub, now, year_after(now), at):
        return ""
    docs = [d for d in engine.documents() if place_name(d) == place]
    latest = max((d.year for d in docs if d.year), default=None)
    return (f"{place}最近的{kind_name(docs)}是{year_label(latest)}的，接下来 12 个月没有要提醒的事项："
            f"收录新的工作要点之前不会收到提醒。")


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


@dataclass
class _YearPlan:
    """What a region's plans of one year schedule: the months with an entry, and each dated
    step (event uid, first day, entry). The same for every subscriber of the region."""
    months: set[int]
    steps: list[tuple[str, date, ScheduleEntry]]


_plans_lock = threading.Lock()
_plans: dict = {}   # for the build in use: region → its keys; (region, year) → _YearPlan


def _year_plan(engine, region: str, year: int) -> _YearPlan | None:
    """A region's plan of a year, worked out once per build (checks run every minute for every
    subscription); None when the region is no longer held."""
    state = engine.state
    with _plans_lock:
        if _plans.get("build") is not state.built:
            _plans.clear()
            _plans["build"] = state.built
        if region not in _plans:
            _plans[region] = engine.parse(region).regions
        regions = _plans[region]
        if not regions:
            return None   # the region is no longer held (its circular was removed)
        if (region, year) not in _plans:
            plans, _ = select_plans(state.doc_list, regions, year)
            entries = [e for d in plans if d.year == year or year in d.years for e in state.schedule.get(d.doc_id, [])]
            steps = [(ev.uid, ev.first, e) for e in entries for ev in plan_events([e], state.built.documents)
                     if not ev.monthly and not whole_months(ev.first, ev.last)]   # month items: in the digest
            _plans[(region, year)] = _YearPlan({m for e in entries if e.year == year for m in e.months}, steps)
        return _plans[(region, year)]


def planned(engine, sub: Subscription, start: datetime, end: datetime, at: time) -> list[Reminder]:
    """Every reminder of one subscription between start and end (aware datetimes), in time order:
    a digest for each month its region's plan of that year covers, and one per dated step."""
    tz = start.tzinfo
    years = sorted({y for y, _ in _months(start, end)} | {(end + timedelta(days=sub.days_before)).year})
    by_year = {y: _year_plan(engine, sub.region, y) for y in years}
    if any(p is None for p in by_year.values()):
        return []
    out: list[Reminder] = []
    for y, m in _months(start, end):
        if m not in by_year[y].months:
            continue    # nothing planned that month: no message at all rather than an empty one
        when = datetime.combine(first_working_day(y, m), at, tz)
        if start <= when <= end:
            out.append(Reminder(f"digest:{sub.chat_id}:{sub.region}:{y}-{m:02d}", sub.chat_id, when, "digest",
                                sub.region, y, m))
    seen = set()
    for y in years:
        for uid, first, e in by_year[y].steps:
            if uid in seen:
                continue
            seen.add(uid)
            when = datetime.combine(first - timedelta(days=sub.days_before), at, tz)
            if start <= when <= end:
                out.append(Reminder(f"step:{sub.chat_id}:{uid}", sub.chat_id, when, "step", sub.region,
                                    first.year, first.month, e, first))
    out.sort(key=lambda r: (r.at, r.key))
    return out


def due(engine, subs: list[Subscription], now: datetime, at: time, lookback: timedelta) -> list[Reminder]:
    """Reminders whose time has come and that still make sense: a digest within its month and
    only for a chat subscribed before it was due; a step until its day has passed. `lookback`
    bounds how far back a restarted bot catches up."""
    out = []
    for sub in subs:
        try:
            owed = planned(engine, sub, now - lookback, now, at)
        except Exception:   # one subscription that cannot be worked out must not stop the others
            log.exception("reminders of chat %s for %s could not be worked out", sub.chat_id, sub.region)
            continue
        for r in owed:
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
