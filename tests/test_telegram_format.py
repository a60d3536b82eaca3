"""Splitting replies into Telegram messages: HTML entities, long lines and emoji at the 4,096 limit."""
from __future__ import annotations

from html import unescape

import pytest

from tests.botapi_stub import check_text, parse_html
from retrieval.models import Answer, Citation
from tgbot.format import LIMIT, SAFE, answer_messages, fit_line, pack, plain_message, units


def _shown(html: str) -> str:
    return check_text({"text": html, "parse_mode": "HTML"})   # raises as Telegram would


@pytest.mark.parametrize("line", [
    "&<>" * 3000,                        # every character becomes an entity of 4–5 characters
    "督导" * 4000,                        # one long line of plain text
    "😀" * 5000,                          # two UTF-16 units each
    "a&😀督" * 2000,                      # all of them mixed, so cuts fall beside each kind
])
def test_a_long_line_becomes_valid_pieces_under_the_limit_that_join_back(line):
    pieces = fit_line([("", line)])
    assert len(pieces) > 1
    assert all(units(p) <= SAFE for p in pieces)
    assert "".join(unescape(p) for p in pieces) == line
    for p in pieces:
        _shown(p)


def test_a_tagged_segment_is_closed_in_every_piece():
    pieces = fit_line([("b", "【东湖高新区】"), ("", "双减&督导😀" * 1500)])
    assert all(p.count("<b>") == p.count("</b>") for p in pieces)
    assert "".join(parse_html(p) for p in pieces) == "【东湖高新区】" + "双减&督导😀" * 1500


def test_pack_fills_messages_and_numbers_them():
    parts = [f"<b>第{i}段</b>\n" + "&amp;" * 300 for i in range(12)]
    messages = pack(parts)
    assert 1 < len(messages) < len(parts)
    assert all(units(m) <= LIMIT for m in messages)
    assert messages[-1].endswith(f"（{len(messages)}/{len(messages)}）</i>")
    assert sum(m.count("<b>第") for m in messages) == len(parts)   # nothing lost, nothing twice
    for m in messages:
        _shown(m)


def test_pack_refuses_a_line_longer_than_a_message():
    with pytest.raises(ValueError):
        pack(["x" * (SAFE + 1)])


@pytest.mark.parametrize("text", ["督" * 5000, "😀" * 3000, "a" * LIMIT])
def test_plain_message_is_cut_in_utf16_units(text):
    out = plain_message(text)
    assert units(out) <= LIMIT
    assert out == text or (out.endswith("…") and text.startswith(out[:-1]))


def test_a_huge_answer_is_valid_html_in_every_message():
    cite = Citation(doc="d", title="标题" * 100, doc_number="测教督〔2024〕1号", region="测试县", year=2024,
                    heading="一、重点工作 > 1." * 20, text="<script>&督导😀" * 900, start=0, end=1)
    answer = Answer(question="q", kind="passages", answer="在工作要点中找到 3 段相关原文：",
                    citations=[cite, cite, cite], notes=["注意" * 3000])
    messages = answer_messages(answer)
    assert len(messages) > 2
    shown = "".join(_shown(m) for m in messages)
    assert "<script>&督导😀" in shown and all(units(m) <= LIMIT for m in messages)


def _cite(n: int) -> Citation:
    return Citation(doc="d", title="测试<通知>", doc_number="测〔2021〕1号", region="测试县", year=2021,
                    heading=f"一、安排 > {n}.", text=f"第{n}项 & 说明", start=n, end=n + 1)


def test_sections_render_from_their_parts_not_from_marked_text():
    """A region section: the place bold, items plain, the short source italic; the plain-text
    reply shows the same lines. Text that looks like markers (【…】, ——) stays plain text."""
    from retrieval.models import Line, Section
    from retrieval.render import to_text
    items = [Line("【不是标题】—— 也不是出处", _cite(1)), Line("四月　评估", _cite(2)),
             Line("", _cite(1), "source", short=True)]
    answer = Answer("q", "month", "4月的工作安排：", citations=[_cite(1), _cite(2)],
                    sections=[Section("测试县", "2021年", items)])
    [html] = answer_messages(answer)
    assert "<b>【测试县】</b>2021年" in html
    assert "\n· 【不是标题】—— 也不是出处\n" in unescape(html) and "<b>【不是标题】" not in html
    assert "<i>   —— 测〔2021〕1号 › 一、1.</i>" in html
    assert to_text(answer).splitlines() == ["4月的工作安排：", "【测试县】2021年", "· 【不是标题】—— 也不是出处",
                                            "· 四月　评估", "   —— 测〔2021〕1号 › 一、1."]
    _shown(html)


def test_passages_without_sections_are_numbered_each_with_its_full_source():
    answer = Answer("q", "passages", "找到 2 段：", citations=[_cite(1), _cite(2)])
    [html] = answer_messages(answer)
    # one phone line: region·year, the 文号, the section by its numbers
    assert "1. 第1项 &amp; 说明\n<i>   —— 测试县·2021年 测〔2021〕1号 › 一、1.</i>" in html
    assert "\n\n2. 第2项 &amp; 说明" in html     # a passage starts a part of its own
    # without a 文号 the title names the document, escaped
    untitled = Citation(doc="d", title="测试<通知>", doc_number="", region="测试县", year=2021,
                        heading="一、安排 > 1.", text="第1项", start=1, end=2)
    [html] = answer_messages(Answer("q", "passages", "找到 1 段：", citations=[untitled]))
    assert "—— 测试县·2021年 《测试&lt;通知&gt;》 › 一、1.</i>" in html
