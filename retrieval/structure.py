"""Parse a circular's text into its official structure: header, section tree, paragraphs, tables.

Works on the raw extracted text so that every block keeps its character span in the source.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from .textnorm import to_simplified, width
from .pageclean import PAGE_FIELD
from .timeexpr import RE_DATE_AT_START

CN_NUM = "一二三四五六七八九十"
RE_MD = re.compile(r"^\s*#{1,6}\s*")
RE_BOLD = re.compile(r"\*\*|__")
RE_L1 = re.compile(rf"^[{CN_NUM}]{{1,3}}[、，．.]")
RE_L2 = re.compile(rf"^[（(][{CN_NUM}]{{1,3}}[）)]")
RE_L3 = re.compile(r"^(\d{1,2})\s*[.．、](?!\d)")
RE_APPENDIX = re.compile(r"^附\s*件\s*\d*\s*[:：]?\s*$")
# a regulation's (条例, 规定, 办法, 法) chapters, sections and articles: 第二章 / 第一节 / 第二十条
_ORDINAL = r"第[一二三四五六七八九十百零〇两\d]{1,6}"
RE_CHAPTER = re.compile(_ORDINAL + r"\s*[章编]\s*")
RE_JIE = re.compile(_ORDINAL + r"\s*节\s*")
RE_ARTICLE = re.compile(_ORDINAL + r"\s*条(?![件款例])")
ARTICLE = 4   # an article's level: below 章 (1) and 节 (2), its （一）… items belong to it
# What kind of document a title ends with, and what replies call it (meta.document_kind)
DOC_KINDS = [("工作要点", "工作要点"), ("要点", "工作要点"), ("工作计划", "工作计划"), ("计划", "计划"),
             ("安排", "工作安排"), ("条例", "条例"), ("规定", "规定"), ("办法", "办法"), ("细则", "细则"),
             ("章程", "章程"), ("规则", "规则"), ("规划", "规划"),
             ("法", "法律"), ("方案", "方案"), ("意见", "意见"), ("通报", "通报"), ("总结", "总结"),
             ("报告", "报告"), ("函", "函"), ("通知", "通知"), ("决定", "决定"), ("公告", "公告")]
# a title that names the kind of document (a Markdown `#` title line)
RE_KIND_TITLE = re.compile("(" + "|".join(dict.fromkeys(e for e, _ in DOC_KINDS)) + ")$")
RE_RULE = re.compile(r"^\s*(-{3,}|\*{3,}|_{3,})\s*$")
RE_IMPRINT = re.compile(r"(印发|印\s*发)\s*$")
RE_COPY = re.compile(r"^(抄送|抄报|主题词|关键词)[:：]")
TERMINAL = "。！？；：.!?;:」』”）)"
# Words that make up the header row of a schedule table.
HEADER_WORDS = {
    "时间", "工作主要内容", "序号", "事项", "月份", "内容", "工作内容", "主要内容", "具体工作",
    "责任单位", "完成时间", "时间安排", "工作任务", "备注", "牵头单位", "负责科室", "工作事项",
    "日期", "工作安排", "主要工作", "重点工作", "实施时间", "责任科室", "项目", "工作项目",
}
MONTH_KEY = re.compile(rf"^\s*((?:[{CN_NUM}]{{1,3}}|\d{{1,2}})\s*月(?:份)?)(?:\s+|$)")
ROW_NUM_KEY = re.compile(r"^\s*(\d{1,3})\s+(?=\S)")
WRAP_MIN_WIDTH = 20
PIPES = ("|", "｜", "||")


@dataclass
class Line:
    start: int
    end: int
    raw: str

    @cached_property
    def text(self) -> str:
        """Line without markdown markers, bold marks or surrounding spaces, in simplified
        characters: what the patterns of this module and meta.py read (traditional 要點, 號)."""
        t = RE_MD.sub("", self.raw)
        return to_simplified(RE_BOLD.sub("", t).strip())


@dataclass
class Block:
    """A paragraph, a table row, or a header line, with its heading path and source span."""
    kind: str                      # "para" | "row" | "header"
    heading: list[str]
    spans: list[tuple[int, int]]   # raw spans of the lines (or cells) that make it
    cells: list[list[tuple[int, int]]] = field(default_factory=list)  # row cells as spans
    header: list[str] = field(default_factory=list)
    article: bool = False          # a regulation's article: the lines after it are its own

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


def split_lines(text: str) -> list[Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        out.append(Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def heading_level(text: str) -> int | None:
    """1 for 一、 (or 第X章), 2 for （一） (or 第X节), 3 for 1., 0 for 附件; None for body text."""
    if RE_APPENDIX.match(text):
        return 0
    if RE_L1.match(text) or (RE_CHAPTER.match(text) and _is_pure_heading(text)):
        return 1
    if RE_JIE.match(text) and _is_pure_heading(text):
        return 2
    if RE_L2.match(text):
        return 2
    if RE_L3.match(text):
        return 3
    return None


def _is_pure_heading(text: str) -> bool:
    """A heading line with no body text of its own (short, no sentence inside)."""
    body = text.rstrip("。")
    return width(text) <= 40 and not re.search(r"[。；;！？]", body)


ITEM_TITLE = 30   # characters: an item's opening sentence this short is its title


def _label(text: str, level: int) -> str:
    """A numbered item's label with its title (`8.加强责任督学挂牌督导工作`), so that every
    passage of a long item says which item it belongs to."""
    if level == 3:
        m = RE_L3.match(text)
        number = m.group(1) + "."
    elif level == 2:
        m = RE_L2.match(text)
        number = m.group(0).replace("(", "（").replace(")", "）")
    else:
        return text
    title = re.match(r"[^。；！？]*", text[m.end():].strip()).group(0).strip()
    if title and len(title) <= ITEM_TITLE and len(title) < len(text[m.end():].strip()):
        return number + _clean_label(title)
    return number


def _header_cells(line: Line, following: list[Line] = ()) -> list[str] | None:
    """The column names of a table's header row: short names, most of them known header words
    (时间, 工作内容 …) and one naming the time; or, whatever the other names (督导重点, 工作要求),
    one naming the time when the line after it starts a row with a time (2月, 1 … 3月上旬); or
    tab-separated names over two rows of as many tab-separated cells (一级指标 二级指标 分值)."""
    t = line.text
    cells = [c for c in re.split(r"\t|\s+", t) if c]
    if len(cells) < 2 or any(len(c) > 8 or re.search(r"[\d，,。；;：:、]", c) for c in cells):
        return None
    known = sum(c in HEADER_WORDS for c in cells)
    timed = any(TIME_HEADER.search(c) for c in cells)
    if known == len(cells) or (known * 2 >= len(cells) and timed):
        return cells
    if timed and following and _starts_timed_row(following[0]):
        return cells
    if "\t" in line.raw and len(following) >= 2 and all(
            "\t" in ln.raw and len(_cell_spans(ln)) == len(cells) for ln in following[:2]):
        return cells
    return None


def _header_like(t: str) -> bool:
    """A line that may be one column name of a table written one cell per line."""
    return t in HEADER_WORDS or (0 < len(t) <= 6 and not re.search(r"[\d，,。；;：:、\s（(]", t)
                                 and not _is_time_cell(t))


def _starts_timed_row(line: Line) -> bool:
    """Whether a line reads as a table row keyed by its time (2月\t…) or by a number with a time
    among its cells (1\t…\t3月上旬)."""
    cells = [line.raw[s - line.start:e - line.start] for s, e in _cell_spans(line)]
    if len(cells) < 2:
        return False
    if _is_time_cell(cells[0]):
        return True
    return bool(re.fullmatch(r"\d{1,3}", cells[0].strip())) and any(_is_time_cell(c) for c in cells[1:])


def _cell_spans(line: Line) -> list[tuple[int, int]]:
    """Spans of the tab-separated (or, failing that, whitespace-separated) cells of a line."""
    raw = line.raw
    sep = "\t" if "\t" in raw else None
    spans = []
    if sep:
        pos = 0
        for part in raw.split("\t"):
            s = line.start + pos
            lead = len(part) - len(part.lstrip())
            spans.append((s + lead, s + len(part.rstrip())))
            pos += len(part) + 1
    else:
        for m in re.finditer(r"\S+", raw):
            spans.append((line.start + m.start(), line.start + m.end()))
    return spans


def _ends_sentence(text: str) -> bool:
    return bool(text) and text[-1] in TERMINAL


def parse(text: str) -> list[Block]:
    """Turn a circular's raw text into blocks in reading order."""
    lines = split_lines(text)
    blocks: list[Block] = []
    path: dict[int, str] = {}          # level -> label
    para: Block | None = None
    table: dict | None = None
    i = 0

    def heading_path() -> list[str]:
        # the plan's title (level -1) is shown with the document, so only name it when alone
        labels = [path[k] for k in sorted(path) if k >= 0]
        if labels:
            return labels
        return [path[-1]] if -1 in path else ["通知"]

    def close_para():
        nonlocal para
        if para is not None:
            blocks.append(para)
        para = None

    def close_table():
        nonlocal table
        if table and table.get("row"):
            blocks.append(table["row"])
        if table and table["mode"] == "cells":
            _close_cells(table, blocks, table["heading"])
        table = None

    def set_heading(level: int, label: str):
        for k in [k for k in path if k >= level]:
            del path[k]
        path[level] = label

    after_blank = False
    while i < len(lines):
        line = lines[i]
        t = line.text
        if not t:
            # PDF extraction puts blank lines between wrapped lines: let _continues decide
            after_blank = True
            i += 1
            continue
        if t in PIPES:
            # a lone pipe between the cells of a table written one cell per line: no text, but
            # it keeps the cells apart (no hard-wrap joining across it)
            if table is None or table["mode"] != "cells":
                close_para()
            else:
                table["pipes"] = table["after_pipe"] = True
            i += 1
            continue
        if (table is not None and table["mode"] == "tab" and after_blank and "\t" not in line.raw):
            # a tab-joined table (DOCX, HTML) is one line per row and ends at a blank line: what
            # follows (the signature, the next paragraph) is no wrapped cell of its last row
            close_table()
        if (table is not None and table["mode"] == "cells" and after_blank and not table.get("pipes")
                and len(table["pending"]) == len(table["header"])):
            # one cell per line without pipes (a web table copied as text): a blank line after a
            # whole row ends it, so the signature is not read as a wrapped last cell
            close_table()
        after_blank = False
        if RE_RULE.match(line.raw):
            close_para()
            i += 1
            continue
        is_md = bool(RE_MD.match(line.raw)) and line.raw.lstrip().startswith("#")
        level = heading_level(t)

        if table is not None:
            ended = (is_md or level in (0, 1) or RE_COPY.match(t) or is_meta_line(t)
                     or (level == 2 and not table.get("row")))
            if not ended:
                consumed = _table_line(table, line, blocks, heading_path())
                if consumed:
                    i += 1
                    continue
            close_table()

        header = _header_cells(line, [ln for ln in lines[i + 1:i + 6] if ln.text][:2])
        if header is None and _header_like(t):
            # one cell per line: a run of header words on consecutive lines, or of short names
            # one of which names the time when a time cell (2月) follows them
            run = [t]
            j = i + 1
            # blank lines may stand between the cells (a table written one cell per line
            # between pipes)
            while j < len(lines) and (_header_like(lines[j].text) or not lines[j].text or lines[j].text in PIPES):
                if lines[j].text and lines[j].text not in PIPES:
                    run.append(lines[j].text)
                j += 1
            nxt = next((ln.text for ln in lines[j:j + 2] if ln.text and ln.text not in PIPES), "")
            known = all(c in HEADER_WORDS for c in run) or (
                any(TIME_HEADER.search(c) for c in run)
                and (_is_time_cell(nxt) if TIME_HEADER.search(run[0]) else nxt == "1"))
            if len(run) >= 2 and len(run) <= 8 and known:
                close_para()
                table = _open_table(run, "cells", blocks, text, heading_path())
                i = j
                continue
        if header is not None:
            close_para()
            table = _open_table(header, "tab" if "\t" in line.raw else "space", blocks, text,
                                heading_path())
            i += 1
            continue

        article = RE_ARTICLE.match(t)
        if article and not is_md:
            # 第七条 …: one article, with its （一）… items, is one passage, cited by its number
            close_para()
            set_heading(ARTICLE, re.sub(r"\s+", "", article.group(0)))
            para = Block("para", heading_path(), [(line.start, line.end)], article=True)
            i += 1
            continue
        if para is not None and para.article and not is_md and level not in (0, 1) \
                and not RE_JIE.match(t) and not is_meta_line(t):
            para.spans.append((line.start, line.end))   # the article's items and its next lines
            i += 1
            continue

        if is_md and level is None:
            # a markdown heading without 一、 markers: the document title or a caption
            close_para()
            if all(b.kind == "header" for b in blocks) and not path and RE_KIND_TITLE.search(t):
                # the document's own title (# 郑州市教育督导条例)
                blocks.append(Block("header", heading_path(), [(line.start, line.end)]))
                path[-1] = _clean_label(t)
                i += 1
                continue
            if "工作要点" in t or "通知" in t or t.endswith("文件"):
                blocks.append(Block("header", heading_path(), [(line.start, line.end)]))
                if "工作要点" in t and "关于" not in t and "《" not in t:
                    path.clear()
                    path[-1] = _clean_label(t)
            else:
                set_heading(1, _clean_label(t))
            i += 1
            continue

        if level == 0:
            close_para()
            path.clear()
            path[0] = "附件"
            i += 1
            continue
        if level is not None:
            close_para()
            label = _label(t, level)
            if level == 1:
                set_heading(1, _clean_label(t) if _is_pure_heading(t) else _clean_label(t.split("。")[0]))
                if _is_pure_heading(t):
                    i += 1
                    continue
            else:
                set_heading(level, label)
                # a short title line with its text below: (一)积极争创责任区督学挂牌督导创新县
                if (_is_pure_heading(t) and level == 2 and _has_body(lines, i)
                        and not _wrapped_title(lines, i)
                        and (width(t) <= 16 or (width(t) <= 30 and not re.search(r"[，,、]", t)))
                        and not re.search(r"[:：]\s*\S", t)):
                    path[level] = _clean_label(t)
                    i += 1
                    continue
            para = Block("para", heading_path(), [(line.start, line.end)])
            i += 1
            continue

        if _is_title_line(t) and para is None:
            blocks.append(Block("header", heading_path(), [(line.start, line.end)]))
            path.clear()
            path[-1] = _clean_label(t)
            i += 1
            continue

        # body text: join hard-wrapped lines (PDF extraction) back into one paragraph
        if para is not None and _continues(para, text):
            para.spans.append((line.start, line.end))
        else:
            close_para()
            wrapped = width(t) >= WRAP_MIN_WIDTH and not _ends_sentence(t)
            if is_meta_line(t) or (_is_header_line(t, path) and not (wrapped and not path)):
                blocks.append(Block("header", heading_path(), [(line.start, line.end)]))
            else:
                para = Block("para", heading_path(), [(line.start, line.end)])
        i += 1
    close_para()
    close_table()
    return blocks


def _wrapped_title(lines: list[Line], i: int) -> bool:
    """Whether a title line was hard-wrapped: the next line starts with the few characters that
    end it (“…及学校工作综合” / “考核。会同……”), so title and text are one paragraph."""
    if width(lines[i].text) < WRAP_MIN_WIDTH or _ends_sentence(lines[i].text):
        return False
    for ln in lines[i + 1:]:
        if ln.text:
            return bool(re.match(r"^[^。；，,\s]{1,6}[。；]", ln.text))
    return False


def _has_body(lines: list[Line], i: int) -> bool:
    """Whether a short heading has text under it; a run of sibling items such as
    `（三）涵江区:5月18日—22日` has none, and each item is then its own passage."""
    for ln in lines[i + 1:]:
        t = ln.text
        if t:
            return heading_level(t) not in (0, 1, 2)
    return False


def _clean_label(t: str) -> str:
    from .textnorm import clean
    return clean(t).rstrip("。")


def _is_title_line(t: str) -> bool:
    """The standalone title of the attached work plan, e.g. `2021 年教育督导工作要点`."""
    return (t.rstrip().endswith("工作要点") and "《" not in t and "关于" not in t
            and not t.startswith("附件") and width(t) <= 40)


RE_META_LINE = re.compile(
    r"(印\s*发$)|^(抄送|抄报|主题词)[:：]|^附\s*件|关于[^。；]*(通知|决定|意见|办法|报告)$|文件$"
    r"|^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$|〔\s*\d{4}\s*〕\s*\d+\s*号$|^[（(]此件"

    r"|^[〇○零一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,2}\s*月\s*[一二三四五六七八九十]{1,3}\s*日$"
    # a web page's info table row: "发文机关:襄垣县教育局 | 主题词: |"
    r"|^[\u4e00-\u9fff]{2,6}\s*[:：][^。]*\|")


# a regulation's record of passing: "2001年6月29日 郑州市…常务委员会第二十次会议通过"
RE_PASSING = re.compile(r"^[^。；]{0,90}(会议通过|批准|修正|修订)[）)]?$")


def is_meta_line(t: str) -> bool:
    """Header/footer lines of an official document (文号, 日期, 印发, 抄送, 附件 …), and a web
    page's info line of several labelled fields (来源：某局  发布日期：2023/09/28  阅读次数：587)."""
    t = t.strip()
    return bool(RE_META_LINE.search(t) or (RE_DATE_AT_START.match(t) and RE_PASSING.match(t))
                or (len(RE_FIELD.findall(t)) >= 2 and PAGE_FIELD.search(t)))


# one labelled field of an info line: a short label, its value, then spaces or the line's end
RE_FIELD = re.compile(r"(?:^|\s)[\u4e00-\u9fff]{2,6}\s*[:：]\s*[^\s:：]*(?=\s|$)")


def _is_header_line(t: str, path: dict) -> bool:
    """Short lines outside any section (文号, issuer, date, imprint): metadata, not passages."""
    if RE_IMPRINT.search(t) or RE_COPY.match(t) or t.startswith("附件"):
        return True
    if path:
        return False
    return not re.search(r"[。；;]", t) and width(t) <= 40


def _continues(para: Block, text: str) -> bool:
    """True if the paragraph's last line was hard-wrapped (wide, no closing punctuation)."""
    if para.kind != "para":
        return False
    s, e = para.spans[-1]
    last = text[s:e]
    last_t = RE_BOLD.sub("", last).strip()
    return width(last_t) >= WRAP_MIN_WIDTH and not _ends_sentence(last_t)


def _open_table(header, mode, blocks, text, heading) -> dict:
    caption = _take_caption(blocks, text, heading)
    return {"header": header, "mode": mode, "pending": [], "row": None,
            "heading": heading + [caption] if caption else heading}


def _take_caption(blocks: list[Block], text: str, heading: list[str]) -> str:
    """Use a short title line just before a table (e.g. `工作安排表`) as the table's caption."""
    from .textnorm import clean
    for back in range(1, min(3, len(blocks)) + 1):
        b = blocks[-back]
        if b.heading != heading:
            break  # a line of another section (e.g. the plan's title) is no caption
        t = clean(text[b.start:b.end])
        if RE_IMPRINT.search(t):
            continue
        if len(b.spans) == 1 and width(t) <= 30 and not re.search(r"[。；;，,]", t):
            del blocks[-back]
            return t
        break
    return ""


def _table_line(table: dict, line: Line, blocks: list[Block], heading: list[str]) -> bool:
    """Feed one line to an open table; False if the line does not belong to it."""
    header = table["header"]
    t = line.text
    tab_heading = table["heading"]
    if table["mode"] == "cells":
        span = (line.start + (len(line.raw) - len(line.raw.lstrip())), line.start + len(line.raw.rstrip()))
        pending = table["pending"]
        if TIME_HEADER.search(header[0]) and len(pending) >= 2 and _is_time_cell(t):
            # a table keyed by time: a time starts the next row, however many lines the cells
            # of this one took (a wrapped cell is one more line, not the next cell)
            _close_cells(table, blocks, tab_heading)
            pending = table["pending"]
        wrapped = table.get("pipes") and not table.get("after_pipe") and pending
        table["after_pipe"] = False
        if len(pending) < len(header) and not wrapped:
            pending.append([span])
        else:
            # between pipes, a line no pipe precedes goes on with its cell (a wrapped cell)
            pending[-1].append(span)
        if len(pending) == len(header) and not TIME_HEADER.search(header[0]):
            _close_cells(table, blocks, tab_heading)
        return True
    if table["mode"] == "tab":
        if "\t" in line.raw:
            spans = _cell_spans(line)
            if table["row"] and _continues_row(header, line, spans):
                _merge_cells(table["row"], line, spans)
            else:
                if table["row"]:
                    blocks.append(table["row"])
                cells = [[sp] for sp in spans]
                table["row"] = Block("row", tab_heading, [(line.start, line.end)], cells=cells,
                                     header=header)
            last = next(j for j in range(len(spans) - 1, -1, -1) if spans[j][0] < spans[j][1] or j == 0)
            shift = len(table["row"].cells) - len(spans) if spans[0][0] < spans[0][1] else 0
            m = ITEM_LEAD.match(line.raw[spans[last][0] - line.start:])
            table["item"] = (last + shift, int(m.group(1)) if m else None)
            return True
        item = table.get("item")
        m = ITEM_LEAD.match(t)
        if table["row"] and m and item and item[1] is not None and int(m.group(1)) == item[1] + 1 \
                and item[0] < len(table["row"].cells):
            # the next numbered item of a cell written on several lines (1.…↵2.…)
            table["row"].spans.append((line.start, line.end))
            table["row"].cells[item[0]].append(_strip_span(line))
            table["item"] = (item[0], item[1] + 1)
            return True
        if table["row"] and heading_level(t) is None:
            # a wrapped last cell
            table["row"].spans.append((line.start, line.end))
            table["row"].cells[-1].append(_strip_span(line))
            return True
        return False
    # space-separated: a row starts with its key (a month or a number)
    m = MONTH_KEY.match(line.raw) or ROW_NUM_KEY.match(line.raw)
    if m:
        if table["row"]:
            blocks.append(table["row"])
        key_end = line.start + m.end(1)
        key = (line.start + m.start(1), key_end)
        rest_start = line.start + m.end()
        cells = [[key]]
        rest = line.raw[m.end():]
        if rest.strip():
            lead = len(rest) - len(rest.lstrip())
            cells.append([(rest_start + lead, rest_start + len(rest.rstrip()))])
        else:
            cells.append([])
        table["row"] = Block("row", tab_heading, [(line.start, line.end)], cells=cells,
                             header=header)
        return True
    if table["row"] is not None:
        table["row"].spans.append((line.start, line.end))
        table["row"].cells[-1].append(_strip_span(line))
        return True
    return False


TIME_HEADER = re.compile(r"时间|月份|日期|时限")
KEY_HEADER = re.compile(r"^(序号|编号)$")
ITEM_LEAD = re.compile(r"\s*(\d{1,2})\s*[.．、](?!\d)")


def _continues_row(header: list[str], line: Line, spans: list[tuple[int, int]]) -> bool:
    """Whether a tab line of a table keyed by its first column (时间, 序号) goes on with the row
    above: a cell written on several lines (1.…↵2.…) leaves the key out of the lines after the first."""
    first = line.raw[spans[0][0] - line.start:spans[0][1] - line.start]
    if not first:
        return True   # the key cell left empty: merged with the row above
    if TIME_HEADER.search(header[0]):
        return len(spans) < len(header) and not _is_time_cell(first)
    if KEY_HEADER.match(header[0]):
        return len(spans) < len(header) and not re.fullmatch(r"\d{1,3}", first)
    return False


def _merge_cells(row: Block, line: Line, spans: list[tuple[int, int]]) -> None:
    """A continuation line's cells added to the row's: by column where the line keeps its
    leading empty cells, else right-aligned (the key column is the one left out)."""
    row.spans.append((line.start, line.end))
    width = max(len(row.header), len(row.cells))
    row.cells.extend([] for _ in range(width - len(row.cells)))   # a cell begun on this line
    shift = 0 if spans[0][0] == spans[0][1] else width - len(spans)
    for j, span in enumerate(spans):
        col = j + shift
        if span[0] < span[1] and 0 <= col < len(row.cells):
            row.cells[col].append(span)


def _is_time_cell(t: str) -> bool:
    from .timeexpr import parse
    from .textnorm import normalize
    """A cell that is a time and little else (三月, 3月下旬, 4月10日前)."""
    w = parse(normalize(t)) if width(t) <= 24 else None
    return w is not None and w.valid and bool(w.months) and not w.approximate and len(w.text) * 2 >= len(t)


def _close_cells(table: dict, blocks: list[Block], heading: list[str]) -> None:
    """The row of a one-cell-per-line table gathered so far, as a row block."""
    cells = table["pending"]
    if cells:
        spans = [sp for cell in cells for sp in cell]
        blocks.append(Block("row", heading, spans, cells=[list(c) for c in cells], header=table["header"]))
    table["pending"] = []


def _strip_span(line: Line) -> tuple[int, int]:
    lead = len(line.raw) - len(line.raw.lstrip())
    return (line.start + lead, line.start + len(line.raw.rstrip()))
