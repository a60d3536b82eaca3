"""Details a question may ask for that a passage may not give (地点, 天数, 人数, 名单, 经费, 具体日期,
电话, 数量): which one a question asks for, and whether the quoted text contains one."""
from __future__ import annotations

import re

_N = r"[\d一二两三四五六七八九十百千]+"
# (what the reply calls it, how a question asks for it, what in a passage would give it)
DETAILS = [
    ("地点", re.compile(r"在哪(儿|里)?(办|开|举行|举办|进行|开展|集中)|哪里(办|开|举行)|什么地方|地点|在哪个地方|场地"),
     re.compile(r"地点|会议室|礼堂|报告厅|在[\u4e00-\u9fff]{2,12}(学校|中心|会场|宾馆|酒店)(举行|召开|举办)")),
    ("天数", re.compile(r"几天|多少天|天数|多长时间|持续多久"),
     re.compile(rf"{_N}\s*(天|日)(?!前)|\d{{1,2}}\s*日\s*[—–\-~至到]+\s*\d{{1,2}}\s*日|\d+月\d+日[—–\-~至到]+")),
    ("人数", re.compile(r"多少人|几个人|几名|多少名|人数|多少位"),
     re.compile(rf"{_N}\s*(名|人|位)")),
    ("名单", re.compile(r"名单|哪几个人|叫什么名字|哪几所|哪些学校|哪\d所|哪.{0,3}所"),
     re.compile(r"名单|[\u4e00-\u9fff]{2,8}(小学|中学|幼儿园|学校)[、，,和]|[\u4e00-\u9fff]{2,4}小[、，,和（(]|组长|成员")),
    ("经费", re.compile(r"经费|多少钱|费用|预算|资金|花多少"),
     re.compile(rf"{_N}\s*(万元|元|万)|经费")),
    ("具体日期", re.compile(r"具体哪(一)?天|具体(几号|日期|时间)|哪一天|几月几(号|日)|几号"),
     re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*[日号]|[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}[日号]")),
    ("电话", re.compile(r"电话|联系方式|手机号|热线"),
     re.compile(r"\d{3,4}[-－]?\d{7,8}|1\d{10}|400[-－]?\d{3}[-－]?\d{4}")),
    ("数量", re.compile(r"多少所|几所|多少个|多少家|多少项|数量"),
     re.compile(rf"{_N}\s*(所|个|家|项|批)")),
]


def asked_detail(question: str) -> tuple[str, re.Pattern] | None:
    """The detail a question asks for, and what would answer it; None for other questions."""
    for name, asks, gives in DETAILS:
        if asks.search(question):
            return name, gives
    return None


def missing_detail(question: str, texts: list[str]) -> str:
    """The name of the detail the question asks for when none of `texts` gives it, else ""."""
    found = asked_detail(question)
    if found is None:
        return ""
    name, gives = found
    return "" if any(gives.search(t) for t in texts) else name
