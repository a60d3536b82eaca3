"""Real documents laid out again as other sites, editors and converters lay them out: header
fields moved to the signature or to a web info line, page furniture around them, dates in other
spellings, the schedule table as tabs, pipes, one cell per line or Markdown, traditional
characters, Markdown headings, and the whole as DOCX, PDF or HTML. The property tests assert that
what the parser read from the original survives every variant."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from retrieval.chunker import chunk_document
from retrieval.indexer import load_document
from retrieval.models import Document
from retrieval.schedule_reader import extract_schedule
from retrieval.structure import parse
from retrieval.textnorm import to_simplified

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "corpus").glob("*.txt")) + sorted(
    p for p in (ROOT / "tests/data/corpus-wild").iterdir() if p.suffix in (".txt", ".md") and p.name != "README.md")

FURNITURE = {
    "breadcrumb": ["当前位置：首页 > 信息公开 > 通知公告"],
    "greeting": ["欢迎访问本网站！今天是：2026年12月2日 星期三"],
    "untitled": ["无标题文档"],
    "toolbar": ["【字体：大 中 小】  【打印本页】  【关闭窗口】"],
    "counter": ["浏览次数：1024"],
    "share": ["分享到："],
    "footer": ["版权所有：某某县人民政府  网站标识码：5101000001", "联系方式：0826-1234567  地址：某某路1号"],
}
TABLES = ("tab", "pipe", "cells", "markdown", "tab-wrapped", "cells-plain")
# column names no list of header words holds: a table is known by its time column and its rows
OTHER_HEADERS = ("督导重点", "重点任务", "具体要求", "推进举措")
DATES = ("same", "chinese", "iso", "slash", "dots")
FORMATS = ("txt", "docx", "pdf", "html")


@dataclass
class Source:
    name: str
    text: str
    doc: Document
    sections: list[str]
    table: list[list[str]] = field(default_factory=list)     # header + rows, as cells
    table_span: tuple[int, int] | None = None                # where header and rows stand


@lru_cache(maxsize=None)
def source(path: Path) -> Source:
    """A real document as the parser reads it: metadata, top-level sections, its table."""
    doc = load_document(path)
    chunks = chunk_document(doc)
    sections = list(dict.fromkeys(c.heading.split(" > ")[0] for c in chunks if c.kind in ("text", "row")))
    rows = [b for b in parse(doc.text) if b.kind == "row"]
    src = Source(path.name, doc.text, doc, sections)
    if rows and all(b.header == rows[0].header for b in rows):
        cells = [[re.sub(r"\s+", "", "".join(doc.text[s:e] for s, e in cell)) for cell in b.cells] for b in rows]
        width = len(rows[0].header)
        if all(len(c) == width for c in cells):
            header_line = doc.text.rfind("\n", 0, doc.text.rfind(rows[0].header[0], 0, rows[0].start)) + 1
            src.table = [list(rows[0].header)] + cells
            src.table_span = (header_line, rows[-1].end)
    return src


def schedule_of(doc: Document) -> list[tuple[tuple[int, ...], str]]:
    """(months, activity) of a document's schedule, simplified and without white space."""
    entries = extract_schedule(doc, chunk_document(doc))
    return sorted((tuple(e.months), re.sub(r"\s+", "", to_simplified(e.activity))) for e in entries)


def _date_text(iso: str, style: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    if style == "chinese":
        digits = "〇一二三四五六七八九"
        small = lambda n: ("十" if n == 10 else f"十{digits[n - 10]}" if n < 20 else
                           f"{digits[n // 10]}十{digits[n % 10] if n % 10 else ''}") if n >= 10 else digits[n]
        return "".join(digits[int(c)] for c in str(y)) + f"年{small(m)}月{small(d)}日"
    return {"iso": f"{y}-{m:02d}-{d:02d}", "slash": f"{y}/{m}/{d}", "dots": f"{y}.{m:02d}.{d:02d}"}[style]


def _split_cell(cell: str) -> tuple[str, str]:
    """A cell broken where a Word cell's text would wrap onto a line of its own: after its first
    clause, else in the middle."""
    m = re.search(r"[，、。；]", cell[2:-1])
    cut = m.end() + 2 if m else len(cell) // 2
    return cell[:cut], cell[cut:]


def _table_lines(table: list[list[str]], style: str, rename: bool = False) -> list[str]:
    if rename:
        names = iter(OTHER_HEADERS)
        table = [[c if re.search(r"时间|月份|日期|序号", c) else next(names) for c in table[0]]] + table[1:]
    if style == "tab":
        return ["\t".join(r) for r in table]
    if style == "tab-wrapped":
        # copied from a Word table: a cell's line break splits its row, the key left on the first
        out = ["\t".join(table[0])]
        for r in table[1:]:
            head, tail = _split_cell(r[1]) if len(r[1]) >= 6 else (r[1], "")
            out.append("\t".join([r[0], head]))
            rest = [tail] + r[2:] if tail else r[2:]
            if rest:
                out.append("\t".join(rest))
        return out
    if style == "cells-plain":
        # a web table copied as text: one cell per line, no pipes, a blank line after it
        return [c for r in table for c in r] + [""]
    if style == "markdown":
        return ["| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])] + \
               ["| " + " | ".join(r) + " |" for r in table[1:]]
    if style == "pipe":
        return ["| " + " | ".join(r) + " |" for r in table]
    out = []      # one cell per line between pipes
    for r in table:
        for c in r:
            out += ["|", c]
        out.append("|")
    return out


def relayout(src: Source, *, move_number: bool = False, signature_to_info: bool = False,
             furniture: tuple[str, ...] = (), date_style: str = "same", table: str = "",
             traditional: bool = False, markdown: bool = False, rename_header: bool = False) -> str:
    """The source text laid out again as the arguments say."""
    doc, text = src.doc, src.text
    spans = doc.spans
    if table and src.table_span:
        s, e = src.table_span
        text = text[:s] + "\n".join(_table_lines(src.table, table, rename_header)) + text[e:]
    lines = text.split("\n")

    def line_of(field_: str) -> int | None:
        if field_ not in spans:
            return None
        start = spans[field_][0]
        for i, pos in enumerate(_starts(lines)):
            if pos <= start < pos + len(lines[i]) + 1:
                return i
        return None

    if date_style != "same" and doc.date and (i := line_of("date")) is not None:
        lines[i] = re.sub(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]+月[一二三四五六七八九十]+日",
                          _date_text(doc.date, date_style), lines[i], count=1)
    if move_number and doc.doc_number and (i := line_of("doc_number")) is not None \
            and lines[i].strip().replace(" ", "") == doc.doc_number:
        moved = lines.pop(i)
        lines.append(moved)       # after the signature, as some sites print it
    if signature_to_info and doc.issuer and doc.date:
        info = f"发布机构：{doc.issuer}  |  发布日期：{doc.date}"
        lines.insert(0, info)
    if markdown:
        lines = [("## " + ln if re.match(r"^\s*[一二三四五六七八九十]{1,3}、", ln) else ln) for ln in lines]
    head, tail = [], []
    for kind in furniture:
        (tail if kind == "footer" else head).extend(FURNITURE[kind])
    out = "\n".join(head + lines + tail)
    if traditional:
        import opencc
        out = opencc.OpenCC("s2t").convert(out)
    return out


def _starts(lines: list[str]) -> list[int]:
    pos, out = 0, []
    for ln in lines:
        out.append(pos)
        pos += len(ln) + 1
    return out


def write_format(text: str, fmt: str, path: Path) -> Path:
    """The laid-out text as a file of the format: TXT, DOCX (paragraphs), PDF (lines), HTML."""
    from tests import makefiles
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if fmt == "docx":
        return makefiles.write_docx(path.with_suffix(".docx"), lines)
    if fmt == "pdf":
        # the test font (STSong-Light) has no 〇: a date written 二〇二〇年 is given in digits
        lines = [re.sub("[〇○]", "零", ln) for ln in lines]
        return makefiles.write_pdf(path.with_suffix(".pdf"), [ln[:45] for ln in lines][:120])
    if fmt == "html":
        from html import escape
        body = "\n".join(f"<p>{escape(ln)}</p>" for ln in lines)
        page = (f"<!doctype html><html><head><meta charset='utf-8'><title>某某县教育局网站欢迎您</title></head>"
                f"<body><div class='nav'><a href='/'>首页</a> | <a href='/x'>机构概况</a> | 信息公开</div>"
                f"<div class='breadcrumb'>当前位置：首页 &gt; 通知公告</div><div id='zoom'>{body}</div>"
                f"<div class='footer'>版权所有：某某县人民政府 网站标识码 1234</div></body></html>")
        path = path.with_suffix(".html")
        path.write_text(page, "utf-8")
        return path
    path = path.with_suffix(".txt")
    path.write_text(text, "utf-8")
    return path
