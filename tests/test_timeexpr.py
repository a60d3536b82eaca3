"""Time expressions: every phrase from the issue and the corpus, property tests, bad input."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.textnorm import normalize
from retrieval.timeexpr import ALL_MONTHS, cn_number, find_all, parse, parse_question

CASES = [
    # single months in every spelling
    ("三月", [3]), ("3月", [3]), ("3 月", [3]), ("十一月", [11]), ("11月份", [11]), ("十二月", [12]),
    ("一月", [1]), ("二月", [2]), ("十月", [10]),
    # parts of months
    ("3月下旬", [3]), ("8 月上旬", [8]), ("11 月中旬", [11]), ("5 月底", [5]), ("6月底前", [6]),
    ("3月11日前", [3]), ("2月21日", [2]),
    # ranges and lists
    ("3月—6月底", [3, 4, 5, 6]), ("5 月底—7 月中旬", [5, 6, 7]), ("2月21日至3月3日", [2, 3]),
    ("8月27日—30日", [8]), ("3月、9月", [3, 9]), ("3-5月", [3, 4, 5]), ("三至五月", [3, 4, 5]),
    # recurring and coarse
    ("每月", ALL_MONTHS), ("每月一次", ALL_MONTHS), ("每季度", ALL_MONTHS), ("上半年", [1, 2, 3, 4, 5, 6]),
    ("下半年", [7, 8, 9, 10, 11, 12]), ("第三季度", [7, 8, 9]), ("三季度", [7, 8, 9]), ("年底", [12]),
    ("年底前", [12]), ("全年", ALL_MONTHS),
    # the corpus's own cells
    ("3月下旬: 第一轮视导 5月中旬: 第二轮视导 9月下旬: 第三轮视导 11月中旬: 区级评估 11月下旬: 市级验收",
     [3, 5, 9, 11]),
]


@pytest.mark.parametrize("text,months", CASES)
def test_phrase_months(text, months):
    w = parse(text)
    assert w is not None and w.valid
    assert w.months == months


def test_recurring_and_school_flags():
    assert parse("每月一次").recurring
    for text, months in [("春季开学", [2, 3]), ("秋季开学", [8, 9]), ("寒假", [1, 2]), ("暑假", [7, 8])]:
        w = parse(text)
        assert w.months == months and w.approximate


def test_document_month_overrides_school_term():
    w = parse("三月 开展春季开学工作调研")
    assert w.months == [3] and not w.approximate


@pytest.mark.parametrize("text,year,months", [("2022年4月", 2022, [4]), ("2025年底", 2025, [12]),
                                              ("力争到2025年底", 2025, [12])])
def test_dates_with_years_keep_their_year(text, year, months):
    w = parse(text)
    assert (w.year, w.months) == (year, months)


def test_range_across_years():
    w = parse("2021年12月—2022年1月")
    assert (w.year, w.months, w.extra_years) == (2021, [12], {2022: [1]})


@pytest.mark.parametrize("text", ["十三月", "0月", "2月30日", "13月", "4月31日", "二十月"])
def test_impossible_dates_are_invalid_not_errors(text):
    w = parse(text)
    assert w is None or not w.valid


def test_school_year_is_not_a_month():
    assert parse("2020—2021 学年度中小学绩效考核") is None


TODAY = date(2026, 11, 27)


@pytest.mark.parametrize("question,year,months", [
    ("本月做什么", 2026, [11]), ("这个月有什么安排", 2026, [11]), ("下个月做什么", 2026, [12]),
    ("下月做什么", 2026, [12]), ("上个月做了什么", 2026, [10]), ("今年四月做什么", 2026, [4]),
    ("明年三月做什么", 2027, [3]), ("2022年4月做什么", 2022, [4]), ("四月做什么", None, [4]),
])
def test_relative_expressions_in_questions(question, year, months):
    asked = parse_question(question, TODAY)
    assert (asked.year, asked.months) == (year, months)


def test_next_month_rolls_into_next_year():
    asked = parse_question("下个月有什么安排", date(2026, 12, 3))
    assert (asked.year, asked.months) == (2027, [1])


def test_invalid_month_in_question_reported():
    assert parse_question("十三月做什么", TODAY).invalid == "十三月"
    assert parse_question("2月30日有什么", TODAY).invalid


CN = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十",
      11: "十一", 12: "十二"}


@given(st.integers(1, 12), st.sampled_from(["", "上旬", "中旬", "下旬", "底", "初"]), st.booleans())
def test_any_month_any_spelling(m, part, chinese):
    text = f"{CN[m] if chinese else m}月{part}"
    assert parse(text).months == [m]


@given(st.integers(1, 12), st.integers(1, 12))
def test_ranges_cover_every_month_between(a, b):
    w = parse(f"{a}月—{b}月")
    if a <= b:
        assert w.months == list(range(a, b + 1))
    else:  # wraps into the next year
        assert set(w.months) == set(range(a, 13)) | set(range(1, b + 1))


@given(st.integers(2000, 2099), st.integers(1, 12), st.integers(1, 31))
def test_dates_valid_iff_day_exists(y, m, d):
    import calendar
    w = parse(f"{y}年{m}月{d}日")
    exists = d <= calendar.monthrange(y, m)[1]
    assert (w is not None and w.valid) == exists
    if exists:
        assert (w.year, w.months) == (y, [m])


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_never_raises_on_arbitrary_text(text):
    for w in find_all(text):
        assert all(1 <= m <= 12 for m in w.months)
    parse(text)
    parse_question(text, TODAY)


def test_cn_numbers():
    assert [cn_number(s) for s in ["一", "十", "十一", "十二", "二十", "三十一", "百"]] == [1, 10, 11, 12, 20, 31, None]


def test_a_year_total_in_a_sentence_is_no_month():
    """全年 as a schedule cell runs all year; in a sentence it totals the year, and a month
    question must not list “全年培训督学不少于1500人次” under every month."""
    assert parse("全年").months == ALL_MONTHS
    for sentence in ("全年培训督学不少于1500人次。", "全年责任督学进校督导1312校次，发现问题437个。"):
        assert [w for w in find_all(sentence) if w.months] == []
    assert [w.months for w in find_all("全年每月召开一次例会")] == [ALL_MONTHS]


@pytest.mark.parametrize("text,months,day,year", [
    ("请于5.20前报送", [5], 20, None),
    ("2023.5.20前完成", [5], 20, 2023),
    ("2023/05/20", [5], 20, 2023),
    ("二〇二三年五月二十日", [5], 20, 2023),
    ("五月十日前报送", [5], 10, None),
    ("6.1起施行", [6], 1, None),
    ("五六月份开展复查", [5, 6], 0, None),
    ("七八月", [7, 8], 0, None),
])
def test_dates_in_other_spellings(text, months, day, year):
    """Dots, slashes, Chinese-numeral years and days, two months said as one word."""
    (w,) = find_all(normalize(text))
    assert w.valid and w.months == months and w.lo[1] == day and w.year == year


@pytest.mark.parametrize("text", ["完成1.5万人次", "第5.2节", "3.1.2条", "2023.13.5", "五七月"])
def test_numbers_that_are_no_dates(text):
    assert not [w for w in find_all(normalize(text)) if w.valid]


def test_two_months_said_as_one_word_is_a_question_not_an_invalid_date():
    asked = parse_question("五六月份有什么安排", date(2021, 5, 1))
    assert asked.months == [5, 6] and not asked.invalid
