"""Time expressions in circulars and questions → the months of a year they cover.

Parses normalized text (see textnorm.normalize: half-width digits). Keeps the original wording
for display; never raises on bad input — impossible dates (十三月, 0月, 2月30日) are reported as
invalid instead.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
ALL_MONTHS = list(range(1, 13))

_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
# a year in digits or in Chinese numerals (二〇二三年, as signatures and formal dates write it)
_YEAR = r"(?:(?P<§y>\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*)?"
_SEP = r"\s*(?:—+|–|-|~|～|至|到)\s*"
_MONTH = (_YEAR + r"(?P<§m>" + _NUM + r")\s*月(?:份)?"
          r"(?:\s*(?P<§d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号])?"
          r"(?:\s*(?P<§part>上旬|中旬|下旬|初|中|底|末))?(?:\s*(?P<§before>前|之前|以前))?")
_M1 = _MONTH.replace("§", "a")
_M2 = _MONTH.replace("§", "b")
# 3月—6月底, 5月底—7月中旬, 2月21日至3月3日, 8月27日—30日, 3-5月
RE_RANGE = re.compile(_M1 + _SEP + r"(?:" + _M2 + r"|(?P<bd_only>\d{1,2})\s*[日号])")
RE_SHORT_RANGE = re.compile(r"(?P<m1>" + _NUM + r")\s*(?:—+|–|-|~|～|至|到)\s*(?P<m2>" + _NUM + r")\s*(?:个)?月(?:份)?")
RE_MONTH = re.compile(_M1)
# two months said as one word (五六月份, 七八月): consecutive Chinese numerals before 月
RE_MONTH_PAIR = re.compile(r"(?P<m1>[一二三四五六七八九])(?P<m2>[二三四五六七八九十])\s*月(?:份)?")
# a date written with dots, slashes or dashes: with its year anywhere (2023.5.20, 2023/05/20);
# without one only as a deadline or a start (5.20前, 6.1起), where no item number or decimal stands
RE_NUMERIC_DATE = re.compile(r"(?<![\d.])(?:(?P<y>(?:19|20)\d{2})\s*[./-]\s*(?P<m>\d{1,2})\s*[./-]\s*(?P<d>\d{1,2})"
                             r"(?![\d.])(?P<before>前|之前)?|(?P<m0>\d{1,2})\.(?P<d0>\d{1,2})(?P<b0>前|之前|起))")
RE_YEAR_END = re.compile(r"(?:(?P<y>\d{4})\s*)?年(?P<w>底|末|终)(?P<before>前)?")
RE_HALF = re.compile(r"(?:(?P<y>\d{4})\s*年\s*)?(?P<w>上半年|下半年)")
RE_QUARTER = re.compile(r"(?:(?P<y>\d{4})\s*年\s*)?(?:第)?(?P<q>[一二三四1-4])\s*季度")
RE_RECURRING = re.compile(r"每个?月(?:一次)?|逐月|按月|每季度|每个季度")
# a schedule cell of 全年 runs all year; in a sentence 全年 totals the year (全年培训督学1500人次)
RE_YEAR_ROUND = re.compile(r"全年(?:度)?")
RE_SCHOOL = [
    (re.compile(r"春秋(?:两季|季)?开学"), [2, 3, 8, 9], "春秋季开学"),
    (re.compile(r"春季(?:学期)?开学"), [2, 3], "春季开学"),
    (re.compile(r"秋季(?:学期)?开学"), [8, 9], "秋季开学"),
    (re.compile(r"寒假"), [1, 2], "寒假"),
    (re.compile(r"暑假|暑期"), [7, 8], "暑假"),
]
RE_RELATIVE_MONTH = re.compile(r"本月|这个月|这月|当月|下个月|下月|上个月|上月")
RE_RELATIVE_YEAR = re.compile(r"今年|本年度?|明年|下一年|来年|去年|上一年")


_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_CN_YEAR = "〇○零ＯO一二三四五六七八九"
_CN_NUM = "一二三四五六七八九十"
# Every common spelling of a calendar date; groups y, m, d (or cy, cm, cd in Chinese numerals)
DATE_PATTERNS = [
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    re.compile(rf"(?P<cy>[{_CN_YEAR}]{{4}})\s*年\s*(?P<cm>[{_CN_NUM}]{{1,2}})\s*月\s*(?P<cd>[{_CN_NUM}]{{1,3}})\s*日"),
    re.compile(r"(?<!\d)(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?!\d)"),   # 11.09.2014
]
# a line that begins with a date in any of those spellings (a regulation's record of passing)
RE_DATE_AT_START = re.compile(r"^[（(]?\s*(?:" + "|".join(
    re.sub(r"\(\?P<\w+>", "(?:", p.pattern).replace("(?<!\\d)", "").replace("(?!\\d)", "") for p in DATE_PATTERNS) + ")")


def parse_date(text: str) -> str:
    """ISO yyyy-mm-dd of the first valid date in `text` in any common spelling, else ""."""
    for pat in DATE_PATTERNS:
        for m in pat.finditer(text):
            g = m.groupdict()
            if g.get("cy"):
                y = int("".join(str(_CN_DIGIT[c]) for c in g["cy"]))
                mo, d = cn_number(g["cm"]), cn_number(g["cd"])
            else:
                y, mo, d = int(g["y"]), int(g["m"]), int(g["d"])
            if y in YEARS and mo and 1 <= mo <= 12 and d and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return ""


@dataclass
class When:
    """Months one expression covers. `year` is None when the text gives none (the plan's year)."""
    text: str
    months: list[int]
    year: int | None = None
    approximate: bool = False   # school-calendar terms: 春季开学 ≈ 2–3月
    recurring: bool = False     # 每月 / 每季度 / 全年
    start: int = 0
    end: int = 0
    valid: bool = True
    extra_years: dict[int, list[int]] = field(default_factory=dict)  # months in a later year
    # the first and last day as written: (month, day or 0, part such as 上旬/底, "前" or ""),
    # for expressions that name months; None for 上半年, 每月, 春季开学 …
    lo: tuple[int, int, str, str] | None = None
    hi: tuple[int, int, str, str] | None = None

    def dates(self, year: int) -> tuple[date, date] | None:
        """The calendar days the expression covers, in its own year or else `year` (a range into
        a later year ends there); None when it names no month."""
        if self.lo is None or self.hi is None or not self.valid:
            return None
        year = self.year or year
        if year is None or year not in YEARS or year + 1 not in YEARS:
            return None   # no calendar day past 2100, and none that date arithmetic cannot reach
        if self.extra_years:
            end_year = max(self.extra_years)
        else:   # 11月—2月 without years: into the next one
            end_year = year + (1 if (self.hi[0], self.hi[1]) < (self.lo[0], self.lo[1]) else 0)
        return _bound(year, self.lo, first=True), _bound(end_year, self.hi, first=False)


def cn_number(s: str) -> int | None:
    """1–99 written as digits or Chinese numerals (十一 = 11); None when not a number."""
    s = s.strip()
    if s.isdigit():
        return int(s)
    if not s or any(ch not in CN_DIGITS and ch != "十" for ch in s):
        return None
    if "十" not in s:
        return CN_DIGITS[s] if len(s) == 1 else None
    head, _, tail = s.partition("十")
    if "十" in tail or len(head) > 1 or len(tail) > 1:
        return None
    tens = CN_DIGITS[head] if head else 1
    ones = CN_DIGITS[tail] if tail else 0
    return tens * 10 + ones


YEARS = range(1949, 2101)   # the years a circular dates things in; 9999年 is no date


def plausible(year: int | None) -> bool:
    return year is None or year in YEARS


def _month(g: dict, p: str) -> tuple[int | None, int | None, bool]:
    """(year, month, valid) of one matched month group; invalid for 十三月, 0月, 2月30日, 9999年."""
    m = cn_number(g.get(p + "m") or "")
    y = year_number(g[p + "y"]) if g.get(p + "y") else None
    if m is None or not 1 <= m <= 12 or not plausible(y):
        return y, m, False
    d = g.get(p + "d")
    if d:
        day = cn_number(d) or 0
        days = calendar.monthrange(y or 2000, m)[1]  # 2000 is a leap year: 2月29日 allowed
        if not 1 <= day <= days:
            return y, m, False
    return y, m, True


_PARTS = {"上旬": (1, 10), "初": (1, 10), "中旬": (11, 20), "中": (11, 20), "下旬": (21, 31), "底": (21, 31),
          "末": (21, 31)}


def _bound(year: int, b: tuple[int, int, str, str], first: bool) -> date:
    """The first (or last) day of one written month bound: its day, its ten days, or the month."""
    month, day, part, before = b
    last = calendar.monthrange(year, month)[1]
    if day:
        return date(year, month, min(day, last))
    if part in _PARTS:
        a, z = _PARTS[part]
        return date(year, month, a if first and not before else min(z, last))
    return date(year, month, 1 if first and not before else last)


def year_number(s: str) -> int:
    """A four-digit year written in digits or in Chinese numerals (二〇二三 → 2023)."""
    return int(s) if s.isdigit() else int("".join(str(_CN_DIGIT[c]) for c in s))


def _written(g: dict, p: str, month: int) -> tuple[int, int, str, str]:
    return (month, (cn_number(g[p + "d"]) or 0) if g.get(p + "d") else 0, g.get(p + "part") or "",
            "前" if g.get(p + "before") else "")


def _span_months(y1, m1, y2, m2) -> tuple[int | None, list[int], dict[int, list[int]]]:
    """Months from (y1, m1) to (y2, m2) inclusive; a range into the next year keeps that year apart."""
    if y2 is None:
        y2 = y1
    if y1 is not None and y2 is not None and y2 > y1:
        first = list(range(m1, 13))
        extra = {y: list(range(1, 13)) for y in range(y1 + 1, y2)}
        extra[y2] = list(range(1, m2 + 1))
        return y1, first, extra
    if m2 >= m1:
        return y1, list(range(m1, m2 + 1)), {}
    # 11月—2月: wraps into the next year
    if y1 is not None:
        return y1, list(range(m1, 13)), {y1 + 1: list(range(1, m2 + 1))}
    return None, sorted(set(range(m1, 13)) | set(range(1, m2 + 1))), {}


# Anything that says when, besides a calendar month: a year or a span of years, a duration or a
# deadline (十五日内, 五至十年内, 每届三年), a frequency (每年一次, 每学期, 定期), a start (起)
_AMOUNT = r"(?:\d{1,4}|[一二两三四五六七八九十百半]{1,4})"
RE_TIME_SAID = re.compile(
    r"(?:19|20)\d{2}\s*年|" + _AMOUNT + r"\s*(?:个)?(?:年|个月|月|周|星期|日|天|小时|学时|课时|学期|学年)|"
    r"每(?:年|学年|学期|季度|月|周|天|届)|(?<!一)定期|前完成|之前|以前|(?:日|天)内|起施行")


def says_when(text: str) -> bool:
    """Whether a normalized text says when in any way: a date or month (find_all), a year, a
    duration, a deadline or a frequency."""
    return bool(RE_TIME_SAID.search(text)) or any(w.valid for w in find_all(text))


def find_all(text: str, cell: bool = False) -> list[When]:
    """Every time expression in a text, left to right, without overlaps (`cell`: the text is a
    schedule table's time cell, where 全年 means every month)."""
    found: list[When] = []
    taken: list[tuple[int, int]] = []

    def free(s, e):
        return all(e <= a or s >= b for a, b in taken)

    def add(w: When):
        found.append(w)
        taken.append((w.start, w.end))

    for m in RE_RANGE.finditer(text):
        g = m.groupdict()
        y1, m1, ok1 = _month(g, "a")
        if g.get("bd_only"):
            y2, m2 = y1, m1
            ok2 = ok1 and m1 is not None and 1 <= int(g["bd_only"]) <= calendar.monthrange(y1 or 2000, m1)[1]
        else:
            y2, m2, ok2 = _month(g, "b")
        if not (ok1 and ok2):
            add(When(m.group(0), [], y1, start=m.start(), end=m.end(), valid=False))
            continue
        year, months, extra = _span_months(y1, m1, y2 or y1, m2)
        hi = (m1, int(g["bd_only"]), "", "") if g.get("bd_only") else _written(g, "b", m2)
        add(When(m.group(0), months, year, start=m.start(), end=m.end(), extra_years=extra,
                 lo=_written(g, "a", m1), hi=hi))
    for m in RE_SHORT_RANGE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        a, b = cn_number(m.group("m1")), cn_number(m.group("m2"))
        if a is None or b is None or not (1 <= a <= 12 and 1 <= b <= 12):
            add(When(m.group(0), [], start=m.start(), end=m.end(), valid=False))
            continue
        year, months, extra = _span_months(None, a, None, b)
        add(When(m.group(0), months, year, start=m.start(), end=m.end(), extra_years=extra,
                 lo=(a, 0, "", ""), hi=(b, 0, "", "")))
    for m in RE_MONTH_PAIR.finditer(text):
        a, b = cn_number(m.group("m1")), cn_number(m.group("m2"))
        if free(m.start(), m.end()) and b == a + 1:
            add(When(m.group(0), [a, b], start=m.start(), end=m.end(), lo=(a, 0, "", ""), hi=(b, 0, "", "")))
    for m in RE_NUMERIC_DATE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        y = int(m.group("y")) if m.group("y") else None
        mo, d = int(m.group("m") or m.group("m0")), int(m.group("d") or m.group("d0"))
        if 1 <= mo <= 12 and 1 <= d <= calendar.monthrange(y or 2000, mo)[1]:
            before = "前" if (m.group("before") or m.group("b0") or "").endswith("前") else ""
            add(When(m.group(0), [mo], y, start=m.start(), end=m.end(), lo=(mo, d, "", ""), hi=(mo, d, "", before)))
    for m in RE_MONTH.finditer(text):
        if not free(m.start(), m.end()):
            continue
        y, mo, ok = _month(m.groupdict(), "a")
        bound = _written(m.groupdict(), "a", mo) if ok else None
        add(When(m.group(0), [mo] if ok else [], y, start=m.start(), end=m.end(), valid=ok,
                 lo=bound and (bound[0], bound[1], bound[2], ""), hi=bound))
    for m in RE_YEAR_END.finditer(text):
        if free(m.start(), m.end()):
            y = int(m.group("y")) if m.group("y") else None
            add(When(m.group(0), [12] if plausible(y) else [], y, start=m.start(), end=m.end(), valid=plausible(y)))
    for m in RE_HALF.finditer(text):
        if free(m.start(), m.end()):
            y = int(m.group("y")) if m.group("y") else None
            months = list(range(1, 7)) if m.group("w") == "上半年" else list(range(7, 13))
            add(When(m.group(0), months if plausible(y) else [], y, start=m.start(), end=m.end(),
                     valid=plausible(y)))
    for m in RE_QUARTER.finditer(text):
        if free(m.start(), m.end()) and not text[max(0, m.start() - 1):m.start()] == "每":
            q = cn_number(m.group("q"))
            y = int(m.group("y")) if m.group("y") else None
            add(When(m.group(0), list(range(3 * q - 2, 3 * q + 1)) if plausible(y) else [], y,
                     start=m.start(), end=m.end(), valid=plausible(y)))
    for m in [*RE_RECURRING.finditer(text), *(RE_YEAR_ROUND.finditer(text) if cell else ())]:
        if free(m.start(), m.end()):
            add(When(m.group(0), ALL_MONTHS[:], start=m.start(), end=m.end(), recurring=True))
    for pattern, months, _label in RE_SCHOOL:
        for m in pattern.finditer(text):
            if free(m.start(), m.end()):
                add(When(m.group(0), months[:], start=m.start(), end=m.end(), approximate=True))
    found.sort(key=lambda w: w.start)
    return found


def parse(text: str) -> When | None:
    """All months a phrase (e.g. a table's time cell) covers; None if it names no time.

    Exact months override school-calendar approximations in the same phrase."""
    items = [w for w in find_all(text, cell=True) if w.valid]
    if not items:
        bad = [w for w in find_all(text, cell=True) if not w.valid]
        return When(text.strip(), [], valid=False) if bad else None
    exact = [w for w in items if not w.approximate]
    use = exact or items
    months = sorted({m for w in use for m in w.months})
    years = {w.year for w in use if w.year is not None}
    extra: dict[int, list[int]] = {}
    for w in use:
        for y, ms in w.extra_years.items():
            extra[y] = sorted(set(extra.get(y, [])) | set(ms))
    return When(text.strip(), months, min(years) if years else None,
                approximate=not exact, recurring=any(w.recurring for w in use),
                start=use[0].start, end=use[-1].end, extra_years=extra)


@dataclass
class AskedTime:
    """What time a question asks about."""
    months: list[int] = field(default_factory=list)
    year: int | None = None
    year_is_relative: bool = False   # 今年 / 明年 / 本月 … resolved against today
    wording: str = ""
    invalid: str = ""                # the impossible expression, e.g. 十三月


def parse_question(text: str, today: date) -> AskedTime:
    """Months and year a question asks about; 本月/下个月/今年/明年 resolve against `today`."""
    asked = AskedTime()
    rel = RE_RELATIVE_MONTH.search(text)
    if rel:
        word = rel.group(0)
        offset = 1 if word.startswith("下") else -1 if word.startswith("上") else 0
        idx = today.year * 12 + today.month - 1 + offset
        asked.year, asked.months = idx // 12, [idx % 12 + 1]
        asked.year_is_relative = True
        asked.wording = word
        text = text.replace(word, " ")
    ry = RE_RELATIVE_YEAR.search(text)
    if ry:
        word = ry.group(0)
        shift = 1 if word in ("明年", "下一年", "来年") else -1 if word in ("去年", "上一年") else 0
        asked.year = today.year + shift
        asked.year_is_relative = True
        asked.wording = (asked.wording + word) if asked.wording else word
    for w in find_all(text):
        if not w.valid:
            asked.invalid = w.text
            continue
        if w.recurring or w.approximate:
            continue
        asked.months = sorted(set(asked.months) | set(w.months))
        if w.year is not None:
            asked.year = w.year
            asked.year_is_relative = False
        asked.wording = asked.wording or w.text
    m = re.search(r"(20\d{2})\s*年", text)
    if m and (asked.year is None or (ry and not rel)):
        # a year written out is the year meant, whatever 去年 said around it (去年也就是2023年)
        asked.year = int(m.group(1))
        if ry and not rel:
            asked.year_is_relative = False
    return asked


def day_level(question: str):
    """The time a (normalized) question asks about when it names days within a month (4月底,
    4月10日前, 今年5月上旬), else None."""
    for w in find_all(question):
        if w.lo is not None and any(b[1] or b[2] for b in (w.lo, w.hi)):
            return w
    return None


def asked_days(w, year: int):
    """The calendar days a question's time covers: 4月10日前 is from the first of April."""
    span = w.dates(year)
    if span is None:
        return None
    if w.hi and w.hi[3] == "前":
        span = (span[0].replace(day=1), span[1])
    return span
