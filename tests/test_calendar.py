"""Year plan: every month asked of the whole corpus and of each region gives the complete set."""
from __future__ import annotations

import json
import subprocess
import shutil
import sys
from dataclasses import replace
from datetime import datetime, time

import pytest

from tests.conftest import ROOT, TZ, make_engine

from retrieval.render import to_json, to_text

MONTHLY = "责任督学挂牌督导工作"          # 东湖: 每月一次
DUCHUE = "每月编制《督学动态》"            # 江阴: a monthly item in the body text
SPRING_AUTUMN = "开展春秋季开学工作专项督导检查"  # 大足: 春秋季开学, no month given (≈2–3, 8–9月)

# From reading the four circulars: what each month holds, per region (2021 plans).
EXPECTED = {
    "武胜县": {3: ["开展春季开学工作调研"], 4: ["对幼儿园办园行为开展督导评估"],
              5: ["开展县人民政府履行教育职责自查自评工作"], 6: ["开展责任督学培训"],
              7: ["检查各督导责任区责任督学挂牌督导工作"], 9: ["开展秋季开学工作调研"],
              10: ["调研城乡义务教育一体化改革发展状况"], 11: ["开展“五育合一”教育综合改革调研"],
              12: ["开展责任督学考核", "组织开展2021年学校工作综合考核"]},
    "东湖高新区": {3: ["“双减”专项督导", "第一轮视导", "40所幼儿园办园行为督导评估"],
                 4: ["40所幼儿园办园行为督导评估"],
                 5: ["第二轮视导", "40所幼儿园办园行为督导评估", "中小学绩效考核"],
                 6: ["40所幼儿园办园行为督导评估", "中小学绩效考核"], 7: ["中小学绩效考核"],
                 8: ["举办督学培训班"], 9: ["“双减”专项督导", "第三轮视导"],
                 11: ["区级评估", "市级验收", "教育质量监测试点"], 12: ["民办中小学专项督导评估"]},
    "大足区": {2: [SPRING_AUTUMN], 3: [SPRING_AUTUMN], 8: [SPRING_AUTUMN], 9: [SPRING_AUTUMN]},
    "江阴市": {},
}
for m in range(1, 13):
    EXPECTED["东湖高新区"].setdefault(m, []).append(MONTHLY)
    EXPECTED["江阴市"].setdefault(m, []).append(DUCHUE)
ALIAS = {"武胜县": "武胜", "东湖高新区": "东湖", "大足区": "大足", "江阴市": "江阴"}
CN = "一二三四五六七八九十"


def _activities(answer, region):
    return [e["activity"] for e in answer.schedule if e["region"] == region]


def _check(answer, region, month):
    got = _activities(answer, region)
    want = EXPECTED[region].get(month, [])
    for w in want:
        assert any(w in g for g in got), (region, month, w, got)
    # nothing else: every entry returned is one we expect
    for g in got:
        assert any(w in g for w in want), (region, month, "unexpected", g)


@pytest.mark.parametrize("month", range(1, 13))
def test_month_of_whole_corpus(engine, month):
    a = engine.ask(f"{month}月做什么")
    assert a.kind == "month" and a.months == [month]
    for region in EXPECTED:
        _check(a, region, month)
    text = to_text(a)
    assert "大足区、江阴市的工作要点未列月度安排表" in text
    assert len(text) < 1500


@pytest.mark.parametrize("region", sorted(EXPECTED))
@pytest.mark.parametrize("month", range(1, 13))
def test_month_of_each_region(engine, region, month):
    a = engine.ask(f"{ALIAS[region]}{month}月做什么")
    assert {e["region"] for e in a.schedule} <= {region}  # never borrows another region's plan
    _check(a, region, month)
    if region in ("武胜县", "东湖高新区") and not EXPECTED[region].get(month):
        assert "没有列出工作安排" in to_text(a)


def test_chinese_month_spelling(engine):
    a, b = engine.ask("十一月做什么"), engine.ask("11月份有哪些督导")
    assert a.schedule == b.schedule and a.months == [11]


def test_month_reply_cites_table(engine):
    a = engine.ask("武胜四月做什么")
    c = a.citations[0]
    assert c.doc_number == "武府教督办〔2021〕1号" and "工作安排表" in c.heading
    doc = {d.doc_id: d for d in engine.documents()}[c.doc]
    assert "对幼儿园办园行为开展督导评估" in doc.text[c.start:c.end]


def test_this_month_relative_to_today(engine):
    # the fixture's clock says 2021-04-10
    assert engine.ask("本月做什么").months == [4]
    assert engine.ask("下个月有什么安排").months == [5]


def test_this_year_without_plan_says_which_year(shipped_corpus, tmp_path, nano, engine):
    later = make_engine(shipped_corpus, engine.config.index_dir, nano,
                        now=lambda: datetime(2026, 11, 27, 10, 0, tzinfo=TZ)).open()
    a = later.ask("下个月有什么安排")
    assert a.months == [12] and a.schedule
    # the year asked has no plan: said in the first line, then the latest plan answers
    first = a.answer.splitlines()[0]
    assert "还没有2026年" in first and "2021年" in first
    assert "民办中小学专项督导评估" in to_text(a)


def test_dated_year_belongs_to_that_year(engine):
    a = engine.ask("2022年4月有什么安排")
    assert [e["year"] for e in a.schedule] == [2022]
    assert "2022年4月接受市级评估" in to_text(a)
    assert not [e for e in engine.ask("大足四月做什么").schedule if e["year"] == 2022]


@pytest.mark.parametrize("question,region,when", [
    ("幼儿园办园行为督导评估在几月", "武胜县", "四月"),
    ("幼儿园评估在几月", "东湖高新区", "3月—6月底"),
    ("东湖督学培训班什么时候办", "东湖高新区", "8月上旬"),
    ("双减专项督导在哪几个月", "东湖高新区", "3月、9月"),
    ("大足优质均衡什么时候达到评估标准", "大足区", "2025年底"),
])
def test_when_questions(engine, question, region, when):
    a = engine.ask(question)
    assert a.kind == "when"
    assert any(e["region"] == region and e["when_text"] == when for e in a.schedule), a.schedule


def test_when_without_date_says_so_and_cites(engine):
    a = engine.ask("双减专项督导在哪几个月")
    text = to_text(a)
    assert "【大足区】文件提到此项工作，但没有写明时间" in text
    assert any(c.region == "大足区" and "双减" in c.text for c in a.citations)


def test_when_json_has_months_and_schedule(engine):
    data = to_json(engine.ask("幼儿园办园行为督导评估在几月"))
    assert 4 in data["months"]
    e = data["schedule"][0]
    assert set(e) >= {"region", "activity", "when_text", "months", "year", "doc", "start", "end"}


@pytest.mark.parametrize("question", ["十三月做什么", "0月有什么安排", "2月30日有什么"])
def test_impossible_months_answered_plainly(engine, question):
    a = engine.ask(question)
    assert a.kind == "invalid" and "不是有效的日期" in a.answer


def test_calendar_command(engine):
    out = subprocess.run([sys.executable, str(ROOT / "bot.py"), "calendar", "--region", "东湖", "--month", "11",
                          "--index", str(engine.config.index_dir), "--corpus", str(engine.config.corpus_dir)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split("\t")[:4] == ["地区", "年份", "月份", "原文时间"]
    assert any("11月中旬" in ln and "教育质量监测试点" in ln for ln in lines)
    assert all("武胜县" not in ln for ln in lines)


def test_ask_json_carries_schedule(engine):
    out = subprocess.run([sys.executable, str(ROOT / "bot.py"), "ask", "--json", "武胜四月做什么",
                          "--index", str(engine.config.index_dir), "--corpus", str(engine.config.corpus_dir)],
                         capture_output=True, text=True, timeout=120)
    data = json.loads(out.stdout)
    assert data["months"] == [4] and data["schedule"][0]["when_text"] == "四月"


# -- the year plan as an iCalendar file ---------------------------------------------------------
def _events(data: bytes) -> list[dict]:
    from icalendar import Calendar
    cal = Calendar.from_ical(data)
    out = []
    for ev in cal.walk("VEVENT"):
        out.append({"uid": str(ev["UID"]), "summary": str(ev["SUMMARY"]), "start": ev["DTSTART"].dt,
                    "end": ev["DTEND"].dt, "description": str(ev["DESCRIPTION"]),
                    "rrule": dict(ev["RRULE"]) if "RRULE" in ev else None})
    return out


def _find(events, words):
    return [e for e in events if words in e["summary"]]


def test_ics_month_items_ranges_and_ten_day_parts(engine):
    from datetime import date

    from retrieval.ics import export
    donghu = _events(export(engine, "东湖").data)
    [training] = _find(donghu, "举办督学培训班")                       # 8月上旬
    assert (training["start"], training["end"]) == (date(2021, 8, 1), date(2021, 8, 11))
    [exam] = _find(donghu, "中小学绩效考核")                           # 5月底—7月中旬
    assert (exam["start"], exam["end"]) == (date(2021, 5, 21), date(2021, 7, 21))
    [monthly] = _find(donghu, MONTHLY)                                # 每月一次
    assert monthly["rrule"]["FREQ"] == ["MONTHLY"] and monthly["rrule"]["COUNT"] == [12]
    wusheng = _events(export(engine, "广安 2021年").data)              # a city selects its county
    [kinder] = _find(wusheng, "对幼儿园办园行为开展督导评估")            # 四月: the whole month
    assert (kinder["start"], kinder["end"]) == (date(2021, 4, 1), date(2021, 5, 1))
    assert "武府教督办〔2021〕1号" in kinder["description"] and "工作安排表" in kinder["description"]
    assert all("【武胜县】" in e["summary"] for e in wusheng)


def test_ics_uids_stable_across_exports_and_unique(engine):
    from retrieval.ics import export
    first, second = _events(export(engine).data), _events(export(engine).data)
    assert [e["uid"] for e in first] == [e["uid"] for e in second]
    assert len({e["uid"] for e in first}) == len(first) > 25


def test_ics_dated_steps_with_deadlines_and_year_crossing_ranges():
    from datetime import date

    from retrieval.ics import entry_days
    from retrieval.models import ScheduleEntry

    def days(when, months, year=2023):
        return entry_days(ScheduleEntry("d", "某县", "开学督导", when, months, year, 0, 1))
    assert days("2月21日至3月3日", [2, 3]) == [(date(2023, 2, 21), date(2023, 3, 3), False)]
    assert days("8月27日—30日", [8]) == [(date(2023, 8, 27), date(2023, 8, 30), False)]
    assert days("3月11日前", [3]) == [(date(2023, 3, 11), date(2023, 3, 11), False)]
    assert days("4月10日前", [4]) == [(date(2023, 4, 10), date(2023, 4, 10), False)]
    assert days("3月、9月", [3, 9]) == [(date(2023, 3, 1), date(2023, 3, 31), False),
                                       (date(2023, 9, 1), date(2023, 9, 30), False)]
    assert days("春季开学", [2, 3]) == [(date(2023, 2, 1), date(2023, 3, 31), False)]
    assert days("11月中旬", [11]) == [(date(2023, 11, 11), date(2023, 11, 20), False)]
    # one event for a range into the next year, under the year it starts in
    assert days("2023年11月—2024年1月", [11, 12]) == [(date(2023, 11, 1), date(2024, 1, 31), False)]
    assert days("2023年11月—2024年1月", [1], year=2024) == []


def test_ics_for_a_place_not_held_says_so(engine):
    from retrieval.ics import export
    out = export(engine, "成都")
    assert out.data is None and out.notes == ["没有收录成都的文件。"]


def test_cli_calendar_ics(engine, tmp_path):
    target = tmp_path / "plan.ics"
    out = subprocess.run([sys.executable, str(ROOT / "bot.py"), "calendar", "--ics", str(target), "--region", "江阴",
                          "--index", str(engine.config.index_dir), "--corpus", str(engine.config.corpus_dir)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    events = _events(target.read_bytes())
    assert events and all("【江阴市】" in e["summary"] for e in events)
    assert f"已写入 {target}：{len(events)} 个日程" in out.stdout


@pytest.mark.parametrize("question,first,shown,hidden", [
    # two dated events in one sentence: the one the question names
    ("大足学前普及普惠啥时候接受国家认定", "时间安排", "接受国家认定", "接受市级评估"),
    ("大足学前普及普惠啥时候接受市级评估", "时间安排", "接受市级评估", "接受国家认定"),
    # two numbered items in one table row: the one the question names
    ("武胜责任督学考核在几月", "时间安排", "开展责任督学考核", "学校工作综合考核"),
])
def test_when_answers_keep_the_event_the_question_names(engine, question, first, shown, hidden):
    """The dated steps of the answer are the event asked (the passage it stands in may follow,
    as 相关原文, with the sentence's other event)."""
    answer = engine.ask(question)
    text = to_text(answer)
    steps = "\n".join(line.text for sec in answer.sections if sec.title != "相关原文："
                      for line in sec.lines)
    assert text.startswith(first) and shown in steps and hidden not in steps, text


@pytest.mark.parametrize("question,first", [
    ("武胜责任督学考核是不是在七月", "不是，文件写的是12月"),   # 七月's row shares only 责任督学
    ("武胜责任督学考核是不是在十二月", "是，在12月"),
    ("大足学前普及普惠是不是2022年4月接受国家认定", "不是，文件写的是9月，不在4月（4月的是：确保我区创建学前教育普及普惠区于2022年4月接受市级评估）"),
])
def test_yes_no_reads_the_month_of_the_event_named(engine, question, first):
    assert to_text(engine.ask(question)).startswith(first)


@pytest.mark.parametrize("where", ["武胜 2020", "武胜2020"])
def test_a_bare_year_after_the_place_is_the_year_asked(engine, where):
    """/ics 武胜 2020, /plan 武胜 2020: the number is the year, so the fallback is said."""
    entries, notes = engine.plan_entries(where)
    assert entries and any("没有收录2020年" in n for n in notes)


def test_steps_of_one_cell_are_quoted_in_the_cells_words(engine, tmp_path, nano):
    # "3月下旬: 第一轮视导 5月中旬: 第二轮视导 …" in one cell: each step keeps its own words
    text = to_text(engine.month(11, "东湖高新区")).replace(" ", "")
    assert "11月中旬:区级评估" in text and "11月下旬:市级验收" in text
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.md").write_text(
        "# 某县教育督导室2022年工作要点\n\n一、重点工作\n\n1.开展学校督导评估。\n\n二、工作安排\n\n"
        "| 序号 | 工作内容 | 时间安排 |\n|---|---|---|\n| 1 | 义务教育优质均衡创建 | 4月上旬：县级自评 10月中旬：市级复核 |\n"
        "| 2 | 督学培训 | 7月 |\n\n某县教育督导室\n2022年2月10日\n", "utf-8")
    eng = make_engine(corpus, tmp_path / "index", nano)
    eng.open()
    text = to_text(eng.month(10)).replace(" ", "")
    assert "10月中旬：市级复核" in text and "4月上旬" not in text.split("相关原文")[0]


@pytest.mark.parametrize("line", ["9999年12月—1月开展专项督导。", "二〇二一年十二月至10000年1月开展复查。",
                                  "0001年1月1日前报送材料。"])
def test_a_year_no_calendar_reaches_breaks_no_export_or_reminder(shipped_corpus, tmp_path, nano, line):
    from retrieval.ics import export
    from retrieval.planchart import render
    from retrieval.reminders import planned
    from retrieval.subscriptions import Subscription
    corpus = tmp_path / "corpus"
    shutil.copytree(shipped_corpus, corpus)
    (corpus / "odd.txt").write_text("武胜县教育局2021年督导工作安排\n一、工作安排\n1." + line
                                    + "\n2.4月开展督导评估。\n武胜县教育局\n2021年3月1日\n", "utf-8")
    eng = make_engine(corpus, tmp_path / "index", nano)
    eng.open()
    assert export(eng).data                          # every region's plan, the odd one too
    assert render(*[eng.plan_entries()[0], eng.state.built.documents])
    start = datetime(2021, 1, 1, tzinfo=TZ)
    out = planned(eng, Subscription(1, "武胜县", 3, start), start, start.replace(year=2022), time(8, 30))
    assert out and all(r.target.year in (2021, 2022) for r in out if r.kind == "step")
    assert "9999" not in " ".join(e.when_text for e in eng.state.built.schedule if e.year and e.year > 2100)


def test_control_characters_never_reach_the_ics_text():
    from datetime import date
    from icalendar import Calendar
    from retrieval.ics import PlanEvent, to_ics
    ev = PlanEvent("u1", date(2021, 4, 1), date(2021, 4, 30), "【武胜县】督导\x07评估\x1b", "出处\x00：武府\x0b教督")
    data = to_ics([ev])
    assert not any(b in data for b in (b"\x07", b"\x1b", b"\x00", b"\x0b"))   # RFC 5545 TEXT
    [item] = Calendar.from_ical(data).walk("VEVENT")
    assert "督导 评估" in str(item["SUMMARY"])


def test_month_command_says_when_the_plans_are_of_past_years(engine, nano):
    """`/month` is this year's month: with the clock in April 2021 the 2021 plans answer with no
    note, as “这个月” does, with the same entries; with the clock in 2026 the first line says the
    plans are of 2021. A subscriber's digest (its year given) has no such line."""
    from datetime import datetime
    from tests.conftest import TZ, make_engine
    a = engine.month(4)
    assert a.answer.startswith("4月的工作安排") and a.schedule == engine.ask("这个月有啥督导安排").schedule
    later = make_engine(engine.config.corpus_dir, engine.config.index_dir, nano,
                        now=lambda: datetime(2026, 4, 3, 9, 0, tzinfo=TZ)).open()
    first = later.month(4).answer.split("\n")[0]
    assert first.startswith("还没有2026年的文件") and "2021年" in first
    assert first == later.ask("这个月有啥督导安排").answer.split("\n")[0]
    assert later.month(4).schedule == a.schedule
    assert not later.month(4, "武胜", 2021).answer.startswith("还没有")


def test_places_with_nothing_that_month_share_one_line(engine):
    """Places whose month table has nothing that month: one line after the lists (a reply of
    many places is not a list of “没有列出”), or the place's own line when it is the only one."""
    from retrieval.time_answers import answer_month
    from retrieval.timeexpr import AskedTime
    plans = engine.documents()
    query = engine.parse("1月做什么")
    query.asked = AskedTime(months=[1])
    # the same 武胜 table twice, as two places would be: both have nothing in January
    twin = [d for d in plans if d.region == "武胜县"][0]
    other = replace(twin, doc_id="twin", region="测试县", region_path=["测试省", "测试县"])
    schedule = dict(engine.state.schedule, twin=engine.state.schedule[twin.doc_id])
    text = to_text(answer_month(query, [*plans, other], [], schedule))
    [line] = [ln for ln in text.splitlines() if "没有列出工作安排" in ln]
    assert "武胜县（2021年）" in line and "测试县（2021年）" in line, text
    alone = to_text(answer_month(query, plans, [], engine.state.schedule))
    assert "【武胜县】2021年1月没有列出工作安排。" in alone
