"""Normalization, official metadata of the four circulars, section tree, tables and chunk bounds."""
from __future__ import annotations

import re

import pytest

from tests.conftest import SHIPPED
from retrieval.chunker import chunk_document
from retrieval.indexer import load_document
from retrieval.structure import heading_level, split_lines
from retrieval.textnorm import clean, normalize


def test_normalize_forms():
    assert clean("2021 年") == "2021年"
    assert clean("〔2021〕1 号") == "〔2021〕1号"
    assert normalize("督導體制") == "督导体制"
    assert normalize("ＡＢＣ１２３") == "abc123"
    assert normalize("江陰市要構建哪8項督導制度？") == normalize("江阴市要构建哪8项督导制度?")


META = {
    "wusheng-2021": ("武府教督办〔2021〕1号", "武胜县人民政府教育督导委员会办公室", "2021-03-15", "武胜县",
                     {"武胜"}, None),
    "dazu-2021": ("大足教发〔2021〕20号", "重庆市大足区教育委员会", "2021-03-15", "大足区", {"大足"}, False),
    "donghu-2021": ("武新管教督〔2021〕1号", "武汉东湖新技术开发区教育督导室", "2021-03-08", "东湖高新区",
                    {"东湖", "光谷", "东湖新技术开发区"}, None),
    "jiangyin-2021": ("澄教督〔2021〕2号", "江阴市人民政府教育督导室", "2021-04-07", "江阴市", {"江阴"}, None),
}


@pytest.fixture(scope="module")
def docs():
    return {p.stem: load_document(p) for p in SHIPPED.glob("*.txt")}


@pytest.mark.parametrize("doc_id", sorted(META))
def test_metadata_of_shipped_circulars(docs, doc_id):
    number, issuer, date, region, aliases, public = META[doc_id]
    doc = docs[doc_id]
    assert doc.doc_number == number
    assert doc.issuer == issuer
    assert doc.date == date
    assert doc.region == region
    assert aliases <= set(doc.aliases)
    assert doc.public is public
    assert doc.year == 2021
    assert "关于印发" in doc.title and doc.title.endswith("通知")
    # the cited span really holds the 文号
    s, e = doc.spans["doc_number"]
    assert clean(doc.text[s:e]) == number


def test_printed_date_from_imprint(docs):
    assert docs["dazu-2021"].printed_date == "2021-03-15"
    assert docs["wusheng-2021"].printed_date == "2021-03-15"


@pytest.mark.parametrize("line,level", [
    ("一、深化教育督导机制体制改革", 1), ("（三）加强督导队伍建设", 2), ("4.严格落实", 3),
    ("10. 强化教育督导执行力", 3), ("附件", 0), ("2021 年，我县教育督导", None), ("1.5倍", None),
])
def test_heading_levels(line, level):
    assert heading_level(line) == level


def test_pdf_hard_wraps_joined(docs):
    chunks = chunk_document(docs["wusheng-2021"])
    joined = [c for c in chunks if " > （三）" in c.heading and c.heading.startswith("一、")][0]
    # in the source this sentence is broken over four lines with blank lines between
    assert "深入推进责任督学挂牌督导各级各类学校全覆盖" in joined.text


def test_heading_paths(docs):
    headings = {c.heading for c in chunk_document(docs["donghu-2021"])}
    # a numbered item is labelled with its title, so every passage of it says which item it is
    assert "三、重点聚焦督学工作 > 4.严格落实“双减”专项督导工作" in headings
    headings = {c.heading for c in chunk_document(docs["jiangyin-2021"])}
    assert "四、推进体制机制改革，高站位提升教育督导影响力 > 10.强化教育督导执行力" in headings  # '#### **四、…**'


def test_no_chunk_straddles_two_sections(docs):
    for doc in docs.values():
        for chunk in chunk_document(doc):
            inner = doc.text[chunk.start:chunk.end]
            starts = [ln for ln in split_lines(inner)[1:] if heading_level(ln.text) is not None]
            if chunk.kind == "row":
                continue  # rows hold their own numbered steps (武胜 十二月: 1. … 2. …)
            assert not starts, (doc.doc_id, chunk.heading, starts[0].text)


def test_chunk_spans_point_at_their_text(docs):
    for doc in docs.values():
        for chunk in chunk_document(doc):
            # bold marks and a heading's leading #s are layout, dropped from the display text
            src = re.sub(r"\s+", "", re.sub(r"(?m)^[ \t]*#{1,6}", "", doc.text[chunk.start:chunk.end])).replace("*", "")
            for piece in re.split(r"[　；：]", re.sub(r"\s+", "", chunk.text))[-1:]:
                assert piece in src, (doc.doc_id, chunk.text[:30])


def test_schedule_table_rows_are_chunks_with_header(docs):
    rows = [c for c in chunk_document(docs["wusheng-2021"]) if c.kind == "row"]
    assert [r.cells[0] for r in rows] == ["三月", "四月", "五月", "六月", "七月", "九月", "十月",
                                         "十一月", "十二月"]
    assert all(r.table_header == ["时间", "工作主要内容"] for r in rows)
    ten = rows[6]
    # the 十月 row is split over three lines in the PDF text
    assert ten.cells[1] == "调研城乡义务教育一体化改革发展状况，开展义务教育均衡发展数据监测。"
    assert "2021年教育督导主要工作安排表" in ten.heading
    dec = rows[8]
    assert "1.开展责任督学考核。" in dec.cells[1] and "2.组织开展2021年学校工作综合考核。" in dec.cells[1]


def test_tab_table(docs):
    rows = [c for c in chunk_document(docs["donghu-2021"]) if c.kind == "row"]
    assert len(rows) == 8
    assert rows[0].table_header == ["序号", "事项", "时间"]
    assert rows[3].cells == ["4", "40所幼儿园办园行为督导评估", "3月—6月底"]
    assert rows[0].heading == "五、具体月度工作安排"


def test_one_cell_per_line_table(tmp_path):
    p = tmp_path / "cells.txt"
    p.write_text("测试县教育督导室\n2022年1月5日\n2022年教育督导工作要点\n一、月度安排\n"
                 "月份\n工作内容\n3月\n开展春季开学检查。\n9月\n开展秋季开学检查。\n", encoding="utf-8")
    rows = [c for c in chunk_document(load_document(p)) if c.kind == "row"]
    assert [r.cells for r in rows] == [["3月", "开展春季开学检查。"], ["9月", "开展秋季开学检查。"]]


def test_space_separated_numbered_table(tmp_path):
    p = tmp_path / "space.txt"
    p.write_text("测试县教育督导室\n2022年1月5日\n2022年教育督导工作要点\n一、月度安排\n"
                 "序号 工作事项 完成时间\n1 开展责任督学培训 6月\n2 开展秋季开学检查 9月\n", encoding="utf-8")
    rows = [c for c in chunk_document(load_document(p)) if c.kind == "row"]
    assert len(rows) == 2 and rows[0].table_header == ["序号", "工作事项", "完成时间"]
    assert "开展责任督学培训" in rows[0].text


def test_long_paragraph_split_between_sentences(docs):
    chunks = [c for c in chunk_document(docs["donghu-2021"]) if " > 1." in c.heading]
    assert len(chunks) >= 2
    assert all(len(c.text) <= 320 for c in chunks)
    assert all(c.text[-1] in "。；！？”" for c in chunks[:-1])


@pytest.mark.parametrize("title,tail,body", [
    ("（五）牵头组织好春秋两季开学工作调研及学校工作综合", "考核。", "会同相关股室组成调研组，深入各校调研并指导工作。"),
    ("（二）认真做好义务教育优质均衡发展县创建的迎检", "工作。", "对照评估指标，逐项查漏补缺，确保顺利通过省级评估。"),
])
def test_a_title_wrapped_onto_the_next_line_stays_with_its_text(tmp_path, title, tail, body):
    path = tmp_path / "plan.txt"
    path.write_text(f"2021年教育督导工作要点\n一、重点工作\n{title}\n\n{tail}{body}\n（六）开展专项督导。\n", "utf-8")
    doc = load_document(path)
    first = next(c for c in chunk_document(doc) if title[:3] in c.text)
    assert first.text.startswith(title + tail) and body in first.text


def test_a_short_title_with_its_text_below_stays_a_heading(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text("2021年教育督导工作要点\n一、重点工作\n（一）积极争创责任区督学挂牌督导创新县\n"
                    "对照创新县标准，完善责任区设置，开展挂牌督导。\n（二）开展专项督导。\n", "utf-8")
    chunk = next(c for c in chunk_document(load_document(path)) if "对照创新县标准" in c.text)
    assert chunk.heading.endswith("（一）积极争创责任区督学挂牌督导创新县")


def test_a_table_without_a_time_column_is_read_by_its_rows(tmp_path):
    """Names no word list holds over two rows of as many cells (一级指标 二级指标 分值; 组别 片区
    成员): a table, each row quoted with its column names, not cells glued into one passage."""
    from retrieval.chunker import chunk_document
    from retrieval.indexer import load_document
    from retrieval.chunker import row_text
    from tests.conftest import DATA
    grouped = tmp_path / "fenzu.txt"
    grouped.write_text("某某县开学督导分组安排\n\n组别\t片区\t成员\n第一组\t城关片区\t张某、李某\n"
                       "第二组\t东部片区\t王某、赵某\n\n某某县教育督导室\n2024年2月1日\n", "utf-8")
    for path, row in ((DATA / "corpus-dev" / "b1_weifang_fangan.md", "一级指标：办学方向（15分）；二级指标：加强党建工作；分值：5"),
                      (grouped, "组别：第二组；片区：东部片区；成员：王某、赵某")):
        doc = load_document(path)
        rows = [row_text(c) for c in chunk_document(doc) if c.kind == "row"]
        assert row in rows, rows[:3]
