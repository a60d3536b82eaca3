"""Reminders without Telegram: when digests and step reminders fall due, the SQLite store that keeps
subscriptions and what was sent, and what a reminder says."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from retrieval.reminders import due, first_working_day, planned, reminder_answer
from retrieval.subscriptions import Subscription, SubscriptionStore
from tests.conftest import TZ

AT = time(8, 30)
YEAR = (datetime(2021, 1, 1, tzinfo=TZ), datetime(2021, 12, 31, 23, 59, tzinfo=TZ))


@pytest.mark.parametrize("year, month, first", [
    (2021, 10, date(2021, 10, 8)),   # national day week
    (2021, 5, date(2021, 5, 6)),     # labour day holiday
    (2021, 4, date(2021, 4, 1)),     # an ordinary Thursday
    (2021, 8, date(2021, 8, 2)),     # the 1st is a Sunday
])
def test_first_working_day_follows_the_official_calendar(year, month, first):
    assert first_working_day(year, month) == first


def test_first_working_day_of_a_year_the_calendar_does_not_cover_is_the_first_weekday():
    assert first_working_day(2099, 8) == date(2099, 8, 3)   # 1 August 2099 is a Saturday


def sub(region: str, days: int = 3, created=datetime(2021, 1, 1, tzinfo=TZ)) -> Subscription:
    return Subscription(1, region, days, created)


def test_a_month_plan_gives_one_digest_per_planned_month_and_no_step_reminders(engine):
    out = planned(engine, sub("武胜县"), *YEAR, AT)
    assert {r.kind for r in out} == {"digest"}
    assert [r.month for r in out] == [3, 4, 5, 6, 7, 9, 10, 11, 12]   # no 1, 2, 8: nothing planned
    may = next(r for r in out if r.month == 5)
    assert may.at == datetime(2021, 5, 6, 8, 30, tzinfo=TZ)


def test_dated_steps_are_announced_days_before_they_start(engine):
    out = planned(engine, sub("东湖高新区", days=5), *YEAR, AT)
    steps = [r for r in out if r.kind == "step"]
    # 3月下旬 / 5月中旬 / 8月上旬 / 5月底—7月中旬 … start on the 21st, 11th, 1st, 21st
    starts = {(r.target, r.at.date()) for r in steps}
    assert (date(2021, 3, 21), date(2021, 3, 16)) in starts
    assert (date(2021, 8, 1), date(2021, 7, 27)) in starts
    assert all(r.target - r.at.date() == timedelta(days=5) for r in steps)
    # a whole-month item (3月、9月 “双减”专项督导) and 每月 are in the digests only
    assert all("双减" not in r.entry.activity and "每月" not in r.entry.when_text for r in steps)
    assert len({r.key for r in out}) == len(out)


def test_due_digest_only_for_chats_subscribed_before_it_and_within_its_month(engine):
    now = datetime(2021, 4, 1, 8, 31, tzinfo=TZ)
    early = sub("武胜县", created=datetime(2021, 3, 30, tzinfo=TZ))
    late = Subscription(2, "武胜县", 3, datetime(2021, 4, 1, 9, 0, tzinfo=TZ))
    owed = due(engine, [early, late], now, AT, timedelta(days=35))
    assert [(r.chat_id, r.kind, r.month) for r in owed] == [(1, "digest", 4)]
    # the March digest is not sent late in April
    assert not due(engine, [early], datetime(2021, 4, 1, 8, 29, tzinfo=TZ), AT, timedelta(days=35))


def test_a_step_is_still_announced_until_its_day_but_not_after(engine):
    s = sub("东湖高新区", days=3)
    owed = due(engine, [s], datetime(2021, 3, 20, 10, 0, tzinfo=TZ), AT, timedelta(days=35))
    assert [r.target for r in owed if r.kind == "step"] == [date(2021, 3, 21)]
    later = due(engine, [s], datetime(2021, 3, 22, 10, 0, tzinfo=TZ), AT, timedelta(days=35))
    assert not [r for r in later if r.kind == "step"]


def test_a_region_no_longer_held_plans_nothing(engine):
    assert planned(engine, sub("成都市"), *YEAR, AT) == []


def test_reminders_say_what_and_cite_where(engine):
    [digest] = [r for r in planned(engine, sub("武胜县"), *YEAR, AT) if r.month == 4]
    a = reminder_answer(engine, digest)
    assert "2021年4月" in a.answer and a.citations and all(c.region == "武胜县" for c in a.citations)
    assert any("幼儿园" in c.text for c in a.citations)
    step = next(r for r in planned(engine, sub("东湖高新区"), *YEAR, AT) if r.kind == "step")
    s = reminder_answer(engine, step)     # engine's today is 2021-04-10
    assert "东湖高新区" in s.answer and step.entry.activity[:10] in s.answer
    assert s.citations[0].doc_number and s.citations[0].heading


def test_store_keeps_subscriptions_and_sent_reminders_across_reopening(tmp_path):
    store = SubscriptionStore(tmp_path)
    assert store.subscribe(10, "武胜县", 3) is True
    assert store.subscribe(10, "武胜县", 5) is False          # same region again: days updated
    store.subscribe(10, "东湖高新区")
    store.subscribe(-20, "武胜县")                             # a group chat
    assert store.claim("digest:10:武胜县:2021-04", 10, datetime.now(TZ))
    assert not store.claim("digest:10:武胜县:2021-04", 10, datetime.now(TZ))
    store.close()
    again = SubscriptionStore(tmp_path)
    assert again.counts() == (2, 3)
    assert [(s.region, s.days_before) for s in again.of_chat(10)] == [("东湖高新区", 3), ("武胜县", 5)]
    assert not again.claim("digest:10:武胜县:2021-04", 10, datetime.now(TZ))
    again.release("digest:10:武胜县:2021-04")
    assert again.claim("digest:10:武胜县:2021-04", 10, datetime.now(TZ))
    assert again.unsubscribe(10, "武胜县") == 1 and again.unsubscribe(10) == 1 and again.counts() == (1, 1)


def test_cli_lists_what_a_subscriber_would_receive(engine):
    from tests.test_engine import _cli
    out = _cli(["reminders", "--region", "东湖", "--days", "5", "--from", "2021-05-01"], engine)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "东湖高新区：8 次月度安排，8 次事项提醒（提前 5 天）"
    assert lines[1:3] == ["  2021-05-06 08:30  2021年5月工作安排",
                          "  2021-05-06 08:30  05-11 5月中旬 3所学校市级义务教育现代化学校创建(二十七小、龙泉小学和大屋陈学校)：第二轮视导"]
    assert "2022-04-30" not in out.stdout and out.stdout.rstrip().endswith("（2021-05-01 起 12 个月）")
    bad = _cli(["reminders", "--region", "成都"], engine)
    assert bad.returncode == 1 and "没有收录" in bad.stderr and "武胜县" in bad.stderr


def test_a_reindex_that_moves_an_item_moves_its_reminder(index_copy, nano):
    """Reminders are worked out from the current index: the April digest of 武胜 follows its one
    April item to August when the circular is corrected and reindexed."""
    from tests.conftest import make_engine
    corpus, index = index_copy
    eng = make_engine(corpus, index, nano, now=lambda: datetime(2021, 3, 1, 9, 0, tzinfo=TZ)).open()
    assert [r.month for r in planned(eng, sub("武胜县"), *YEAR, AT)] == [3, 4, 5, 6, 7, 9, 10, 11, 12]
    plan = corpus / "wusheng-2021.txt"
    plan.write_text(plan.read_text("utf-8").replace("四月 对幼儿园办园行为开展督导评估", "八月 对幼儿园办园行为开展督导评估"),
                    encoding="utf-8")
    eng.reindex()
    months = [r.month for r in planned(eng, sub("武胜县"), *YEAR, AT)]
    assert months == [3, 5, 6, 7, 8, 9, 10, 11, 12]
    [august] = [r for r in planned(eng, sub("武胜县"), *YEAR, AT) if r.month == 8]
    assert "对幼儿园办园行为开展督导评估" in reminder_answer(eng, august).citations[0].text


def test_a_reminder_claimed_but_not_sent_at_a_crash_goes_out_after_the_restart(tmp_path):
    from types import SimpleNamespace
    from tgbot.reminders import Reminders
    store = SubscriptionStore(tmp_path)
    now = datetime.now(TZ)
    assert store.claim("digest:10:武胜县:2021-04", 10, now)      # the process died here
    assert store.claim("digest:10:武胜县:2021-05", 10, now)
    store.sent("digest:10:武胜县:2021-05")                      # this one went out
    store.close()
    Reminders(SimpleNamespace(config=SimpleNamespace(index_dir=tmp_path)), AT)   # the bot starts
    again = SubscriptionStore(tmp_path)
    assert again.claim("digest:10:武胜县:2021-04", 10, now)      # owed again: at least once
    assert not again.claim("digest:10:武胜县:2021-05", 10, now)  # never twice
    assert again.sent_count() == 1


def test_days_out_of_bounds_are_refused_and_read_within_bounds(tmp_path):
    import sqlite3
    store = SubscriptionStore(tmp_path)
    with pytest.raises(ValueError):
        store.subscribe(1, "武胜县", 3_650_000)
    store.close()
    db = sqlite3.connect(tmp_path / "subscriptions.sqlite3")   # as an earlier version stored it
    db.execute("INSERT INTO subscription VALUES (2, '武胜县', 3650000, ?)", (datetime.now(TZ).isoformat(),))
    db.commit()
    db.close()
    [sub] = SubscriptionStore(tmp_path).all()
    assert sub.days_before == 3      # the default: a check never meets 10,000 years of notice
