"""Details a question may ask for that a passage may not give (地点, 天数, 人数, 名单, 经费, 具体日期,
电话, 数量): which one a question asks for, and whether the quoted text contains one."""
from __future__ import annotations

import re
from pathlib import Path

import jieba.posseg as posseg

from .datafile import rows
from .lexical import word_frequency
from .textnorm import SENTENCE, normalize

_N = r"[\d一二两三四五六七八九十百千]+"
DETAILS_FILE = Path(__file__).parent / "data" / "details.txt"


class _RegexAnd:
    """What gives a detail: a regex's matches, then those found another way (read like a regex)."""

    def __init__(self, pattern: re.Pattern):
        self.pattern = pattern

    def search(self, text: str):
        return next(self.finditer(text), None)

    def finditer(self, text: str):
        yield from self.pattern.finditer(text)
        yield from self.more(text)

    def more(self, text: str):
        return iter(())


class _Named(_RegexAnd):
    """A person's name in a passage: what the regex finds (组长：张三), or a name jieba's tagger
    reads as one (主任吴建平) — a library knows Chinese names better than a list of titles."""

    def more(self, text: str):
        pos = 0
        for w in posseg.cut(text):
            if is_name(w.word, w.flag):
                yield _At(pos, w.word)
            pos += len(w.word)


SURNAMES = frozenset("".join(line for line in (Path(__file__).parent / "data" / "surnames.txt")
                             .read_text("utf-8").splitlines() if not line.startswith("#")).split())
NAME_RARE = 10   # a dictionary word more frequent than this is a word (许可, 高新区), not a name


def is_name(word: str, flag: str) -> bool:
    """Whether a word jieba tags as a person's name is one: two or three characters, a common
    surname first, no place (高刘镇) and no everyday word."""
    return (flag == "nr" and 2 <= len(word) <= 3 and word[0] in SURNAMES and word[-1] not in "镇区县市乡村"
            and word_frequency(word) < NAME_RARE)


class _At:
    """Where a name stands in a text, read like a regex match."""

    def __init__(self, pos: int, word: str = ""):
        self.pos, self.word = pos, word

    def start(self) -> int:
        return self.pos

    def end(self) -> int:
        return self.pos + len(self.word)

    def group(self, _: int = 0) -> str:
        return self.word


SCHOOL_KINDS = ("小学", "中学", "幼儿园", "学校", "中心校")
PROPER = ("ns", "nr", "nrt")   # jieba's tags of place and person names
SCHOOL_NAME_RARE = 1000   # 山区 (2,809) and 农村 are kinds of school; 城关 (89), 龙江路 (3) names


def named_schools(text: str) -> list[tuple[int, str, str]]:
    """(position, own name, kind) of each school a text names by a proper name (龙江路 + 小学):
    jieba's tagger reads the name as a place or a person's name; 每个/公办/实验 + 小学 are kinds."""
    words = list(posseg.cut(text.replace(" ", "")))
    out, pos = [], 0
    for prev, w in zip(words, words[1:]):
        if w.word in SCHOOL_KINDS and prev.flag in PROPER and len(prev.word) >= 2 \
                and word_frequency(prev.word) < SCHOOL_NAME_RARE:
            out.append((pos, prev.word, w.word))
        pos += len(prev.word)
    return out


class _Listed(_RegexAnd):
    """A list of names in a passage: what the regex finds (名单：, 组长), or two or more schools
    named by their own names (龙泉小学和大屋陈学校) — a count of schools (5所幼儿园) names none."""

    def more(self, text: str):
        flat = text.replace(" ", "")
        names = named_schools(flat)
        if len(names) >= 2 or any(RE_NEXT_SCHOOL.match(flat, pos + len(name + kind)) for pos, name, kind in names):
            yield from (_At(pos, name + kind) for pos, name, kind in names)


# a school named right after another in a list (城关小学、实验中学)
RE_NEXT_SCHOOL = re.compile(r"[、，,和及与]\s*[\u4e00-\u9fff]{1,8}?(小学|中学|幼儿园|学校)")


def _gives(name: str, pattern: str):
    compiled = re.compile(pattern.replace("{N}", _N))
    return _Named(compiled) if name == "人名" else _Listed(compiled) if name == "名单" else compiled


# (what the reply calls it, how a question asks for it, what in a passage would give it)
DETAILS = [(name, re.compile(asks.replace("{N}", _N)), _gives(name, gives))
           for name, asks, gives in rows(DETAILS_FILE, 3)]


# How many of what: 几/多少 and the measure word right after it (几小时, 多少学时, 抽查多少所,
# 随访几次). Whatever the unit, a passage answers only with a number in that unit (3小时, 十所,
# 一次); the unit is read from the question, so no unit needs an entry of its own.
# (not 哪几/第几: which ones, which round; a count of items or places is a list question)
MEASURES = ("小时 学时 课时 万元 元 周岁 岁 所 名 人 位 次 天 日 年 周 家 批 组 场 班 份 件 本 "
            "篇 字 页 平方米 米 分钟 倍 套 台 辆 间 张").split()
# 个 alone (多少个孩子) too, but not 几个月 (a duration) nor 几个方面 (a list)
RE_HOW_MANY = re.compile(r"(?<![哪第])(?:几|多少)\s*(个)?(" + "|".join(MEASURES) + r"|(?<=个)(?![月方部阶环步])|个(?![月方部阶环步]))")
RE_MONEY = re.compile(r"多少钱|花多少|多少费用")


def asked_quantity(question: str) -> tuple[str, re.Pattern] | None:
    """(“数量”, what answers it) when a question asks how many of a unit, else None."""
    m = RE_HOW_MANY.search(question)
    unit = (m.group(2) or m.group(1)) if m else ("元" if RE_MONEY.search(question) else "")
    if not unit:
        return None
    # 多少个 counts in any classifier, so 第八十三条 (an article's number) must not count
    number = (r"(?<![第\d.一二两三四五六七八九十百千万])" if unit == "个" else "") + r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千万半]+)"
    # 四个督导组 answers 几个组: a few characters may stand between the count and the unit
    between = r"[\u4e00-\u9fff]{0,3}?" if m and m.group(1) and m.group(2) else ""
    # 多少个 counts in any classifier (12所, 4名)
    unit_re = "(?:个|所|名|人|位|家|项|条|班|组|种|类|批)" if unit == "个" else re.escape(unit)
    pattern = number + r"\s*(?:个|余|多|以上|以内)?\s*" + between + unit_re
    return f"{unit}数" if unit not in ("元", "万元") else "金额", re.compile(pattern)


def asked_detail(question: str) -> tuple[str, re.Pattern] | None:
    """The detail a question asks for, and what would answer it; None for other questions."""
    for name, asks, gives in DETAILS:
        if asks.search(question):
            return name, gives
    return asked_quantity(question)


def given_at(gives: re.Pattern, text: str, topic: list[str]):
    """Where `gives` matches in a sentence of `text` that also names a word of the topic (other
    than the match's own words), at that sentence's start: a number in a sentence about something
    else does not give how many of what was asked (每一个学前儿童 is not a class's size)."""
    topic = [t for t in topic if len(t) >= 2]
    if not topic:
        return gives.search(text)
    for s in SENTENCE.finditer(text):
        sentence = normalize(s.group(0))   # the topic words are in search form
        for m in gives.finditer(sentence):
            rest = sentence[:m.start()] + "\x00" + sentence[m.end():]
            if any(t not in m.group(0) and t in rest for t in topic):
                return _At(s.start(), m.group(0))
    return None


def topic_words(question: str, tokens: list[str], alts: dict[str, list[list[str]]] | None = None) -> list[str]:
    """The words of a question a sentence giving its detail must name: its topic words and their
    synonyms, less those that only ask for the detail (联系方式, 热线, 几号)."""
    found = asked_detail(question)
    asking = ""
    if found is not None:
        m = next((asks for name, asks, _ in DETAILS if name == found[0]), None)
        hit = m.search(question) if m is not None else None
        asking = hit.group(0) if hit else ""
    words = [t for t in tokens if not (asking and t in asking)]
    for t in list(words):
        words.extend("".join(alt) for alt in (alts or {}).get(t, ()))
    return list(dict.fromkeys(words))


def missing_detail(question: str, texts: list[str], topic: list[str] | None = None) -> str:
    """The name of the detail the question asks for when none of `texts` gives it, else ""."""
    found = asked_detail(question)
    if found is None:
        return ""
    name, gives = found
    topic = topic if topical(name) else []
    return "" if any(given_at(gives, t, topic or []) for t in texts) else name


# Details given by a number, which a passage has many of (dates, counts, amounts): one counts only
# beside the question's words. A telephone number, a place or a name is one whatever the sentence.
TOPICAL = ("时长", "具体日期", "数值", "经费", "金额")


def topical(name: str) -> bool:
    return name in TOPICAL or name.endswith("数")
