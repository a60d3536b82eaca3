"""Read a circular file (TXT/MD/PDF/DOCX/HTML) into plain text, or reject it with a reason."""
from __future__ import annotations

import codecs
import hashlib
import logging
import re
import signal
import time
import zipfile
import zlib
from pathlib import Path

from .errors import UnreadableFileError
from .pageclean import NEXT_FIELD, PAGE_FIELD

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024       # the Bot API's download limit; no circular is larger
MAX_TEXT = 1_000_000                # characters; a work plan has tens of thousands
# Per-file parse budgets: a file under the 20 MB limit can still be built to cost minutes and
# gigabytes (a PDF whose pages share one dense content stream, a DOCX whose XML inflates 300×,
# HTML nested thousands deep). Real circulars stay far below every one of these.
MAX_DOCX_UNPACKED = 200 * 1024 * 1024   # all parts inflated (images included)
MAX_DOCX_XML = 50 * 1024 * 1024         # XML parts inflated: what python-docx parses
MAX_DOCX_RATIO = 100                    # inflated / compressed, for parts over 1 MB
MAX_PDF_PAGES = 500
MAX_HTML_DEPTH = 512                    # nesting; tree walks (ours, trafilatura's) recurse per level
MAX_HTML_TAGS = 100_000
PARSE_SECONDS = 9.0                     # CPU seconds for one file: its parse is killed past them
PARSE_MEMORY = 300 * 1024 * 1024        # address space a parse may add to its process
# PDF, DOCX and HTML are parsed by libraries (pypdf, pdfplumber, python-docx, lxml) whose work
# inside one page or element cannot be bounded from outside — a 4 KB page of operators, 80,000
# attributes on one tag: they are parsed in a child process with those two limits, forked from a
# server that has the libraries loaded, so a file costs milliseconds more, never the bot.
ISOLATED = frozenset({"pdf", "docx", "html"})


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Budget:
    """Characters and seconds one file may cost while it is parsed; `spend` is called per page
    or paragraph and raises UnreadableFileError as soon as either runs out."""

    def __init__(self, path: Path):
        self.path = path
        self.chars = 0
        # checked between pages and rows, a second before the parse would be killed, so that
        # a long PDF can still give its plain text layer when laying its pages out runs late
        self.deadline = time.thread_time() + max(PARSE_SECONDS - 1.0, PARSE_SECONDS / 2)

    def spend(self, chars: int) -> None:
        self.chars += chars
        if self.chars > MAX_TEXT:
            raise UnreadableFileError(self.path, f"文字内容过长（超过 {MAX_TEXT} 字），不像一份工作要点")
        if time.thread_time() > self.deadline:   # CPU time of the parse, not of a busy machine
            raise UnreadableFileError(self.path, f"解析超时（超过 {PARSE_SECONDS:.0f} 秒），文件结构异常，已拒绝")


def check_name(path: Path | str) -> str:
    """The loader key of a file name's extension; UnreadableFileError (with the reason) for a
    refused or unknown format."""
    ext = Path(str(path)).suffix.lower()
    if ext in REFUSED:
        raise UnreadableFileError(path, REFUSED[ext])
    if ext not in LOADERS:
        raise UnreadableFileError(path, f"不支持的文件类型 {ext or '(无扩展名)'}；支持 {FORMATS}")
    return ext


def check_size(path: Path | str, size: int) -> None:
    """The one size limit, for corpus files and uploads alike."""
    if size == 0:
        raise UnreadableFileError(path, "文件为空")
    if size > MAX_BYTES:
        raise UnreadableFileError(path, f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {MAX_BYTES // (1024 * 1024)} MB）")


def read_file(path: Path) -> tuple[str, str, str]:
    """Return (text, format, sha256) for a corpus file; raise UnreadableFileError otherwise."""
    path = Path(path)
    ext = check_name(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableFileError(path, f"无法读取文件：{exc.strerror}") from exc
    check_size(path, size)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(path, f"无法读取文件：{exc.strerror or exc}") from exc
    digest = sha256_bytes(data)
    fmt, _ = LOADERS[ext]
    text = _isolated(ext, data, path) if fmt in ISOLATED and ISOLATE else _parse(ext, data, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if fmt != "pdf":   # a PDF's form feeds mark its pages (PAGE_BREAK); elsewhere they are line breaks
        text = text.replace("\x0c", "\n")
    if len(text) > MAX_TEXT:
        raise UnreadableFileError(path, f"文字内容过长（{len(text)} 字，上限 {MAX_TEXT} 字），不像一份工作要点")
    if not re.search(r"[\u4e00-\u9fff]", text):
        raise UnreadableFileError(path, "文件中没有可识别的中文文字")
    return text, fmt, digest


def _parse(ext: str, data: bytes, path: Path) -> str:
    """One loader's whole read in one guard: whatever a parser library raises (python-docx's
    ValueError on merged cells, pypdf's LimitReachedError, a RecursionError) rejects this file."""
    fmt, load = LOADERS[ext]
    try:
        return load(data, path, Budget(path))
    except UnreadableFileError:
        raise
    except Exception as exc:   # noqa: BLE001 - any library's failure is this file's, not the index's
        log.warning("%s %s unreadable: %r", fmt, path, exc)
        raise UnreadableFileError(path, f"{fmt.upper()} 文件无法解析（{type(exc).__name__}），已拒绝") from exc


ISOLATE = True   # tests of the loaders' own logic may parse in process
_SERVER = None


def _context():
    global _SERVER
    if _SERVER is None:
        import multiprocessing
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["retrieval.loaders", "pypdf", "pdfplumber", "docx", "lxml.html",
                                    "trafilatura"])
        _SERVER = ctx
    return _SERVER


def _isolated(ext: str, data: bytes, path: Path) -> str:
    """`_parse` in a child process limited to PARSE_SECONDS of CPU time and PARSE_MEMORY more
    address space; its refusal comes back as this process's UnreadableFileError. CPU time, not
    the clock: on a busy machine (a reindex, the tests) a real circular still gets its seconds."""
    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    limits = {name: globals()[name] for name in LIMITS}   # as set now (tests lower them)
    child = ctx.Process(target=_child, args=(send, ext, data, str(path), limits), daemon=True)
    child.start()
    send.close()
    timed_out = UnreadableFileError(path, f"解析超时（超过 {PARSE_SECONDS:.0f} 秒），文件结构异常，已拒绝")
    try:
        # the first child waits for the server to load the parser libraries
        if not receive.poll(STARTUP_SECONDS) or receive.recv() != ("started", None):
            log.error("parse process for %s did not start in %d s: parsing in process", path, STARTUP_SECONDS)
            return _parse(ext, data, path)
        # a child that sleeps or blocks uses no CPU: the clock stops it too, far later
        if not receive.poll(PARSE_SECONDS * WALL_FACTOR):
            log.warning("parse of %s stopped after %.0f s", path, PARSE_SECONDS * WALL_FACTOR)
            raise timed_out
        kind, value = receive.recv()
    except EOFError:   # the child ended without a word
        child.join()
        if child.exitcode is not None and child.exitcode > 0:
            # it never reached the parse (multiprocessing could not prepare it, e.g. a parent
            # run from stdin): parse here, as without isolation, rather than refuse the file
            log.error("parse process for %s failed to start (exit %s): parsing in process", path,
                      child.exitcode)
            return _parse(ext, data, path)
        log.warning("parse of %s killed (exit code %s)", path, child.exitcode)
        if child.exitcode == -signal.SIGXCPU:
            raise timed_out from None
        raise UnreadableFileError(path, "解析时占用内存过多或异常退出，文件结构异常，已拒绝") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if kind != "ok":
        raise UnreadableFileError(path, value)
    return value


STARTUP_SECONDS = 120   # the parse server's first start (imports pdfplumber, trafilatura …)
WALL_FACTOR = 6         # clock seconds per CPU second before a child that makes no progress is stopped


LIMITS = ("MAX_TEXT", "MAX_DOCX_UNPACKED", "MAX_DOCX_XML", "MAX_DOCX_RATIO", "MAX_PDF_PAGES",
          "MAX_HTML_DEPTH", "MAX_HTML_TAGS", "PARSE_SECONDS", "PARSE_MEMORY")


def _child(send, ext: str, data: bytes, name: str, limits: dict) -> None:
    import resource
    globals().update(limits)
    try:
        with open("/proc/self/status") as fh:
            now = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (now + PARSE_MEMORY, now + PARSE_MEMORY))
    except (OSError, ValueError, StopIteration) as exc:
        log.warning("parse memory limit not set: %r", exc)
    try:
        cpu = int(time.process_time() + PARSE_SECONDS) + 1   # past the budget's own check: SIGXCPU
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    except (OSError, ValueError) as exc:
        log.warning("parse time limit not set: %r", exc)
    send.send(("started", None))
    try:
        send.send(("ok", _parse(ext, data, Path(name))))
    except UnreadableFileError as exc:
        send.send(("refused", exc.reason))
    except MemoryError:
        send.send(("refused", f"解析所需内存超过 {PARSE_MEMORY // 2 ** 20} MB，文件结构异常，已拒绝"))
    finally:
        send.close()


def decode_text(data: bytes, path: Path) -> str:
    """Decode UTF-8 / UTF-16 (BOM) / GB18030 text; reject binary data."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError as exc:
                raise UnreadableFileError(path, "文本编码损坏，无法解码") from exc
    if b"\x00" in data[:4096]:
        text = _bomless_utf16(data)
        if text is None:
            raise UnreadableFileError(path, "这是二进制文件，不是文本")
        return text
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UnreadableFileError(path, "无法识别文本编码（既不是 UTF-8 也不是 GBK/GB18030）")


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a byte-order mark: NULs fall on every other byte of ASCII characters."""
    head = data[:4096]
    for enc, zero_at in (("utf-16-le", 1), ("utf-16-be", 0)):
        here, there = head[zero_at::2].count(0), head[1 - zero_at::2].count(0)
        if len(head) >= 4 and here > 3 * there:
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
            odd = len(re.findall(r"[\x00-\x08\x0e-\x1f\ue000-\uf8ff]", text))
            if cjk and odd * 20 < len(text):
                return text
    return None


PAGE_BREAK = "\n\x0c\n"   # between the pages of a PDF's text: a line of its own, for citing pages


def _pdf_text(data: bytes, path: Path, budget: Budget) -> str:
    """A PDF's pages: pypdf's text layer first, a quick gate on size, page count and encryption;
    then pdfplumber lays each page out with its ruled tables as tab-joined rows."""
    plain = _pdf_plain_pages(data, path, budget)
    try:
        budget.chars = 0
        pages = _pdf_laid_out_pages(data, path, budget)
    except UnreadableFileError as exc:
        log.warning("pdf %s: layout stopped (%s); using the plain text layer", path, exc.reason)
        pages = plain
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds; the text layer still reads
        log.warning("pdf %s: no layout (%r); using the plain text layer", path, exc)
        pages = plain
    if not any(p.strip() for p in pages):
        pages = plain
    return PAGE_BREAK.join(p.replace("\x0c", "\n") for p in pages)


def _pdf_plain_pages(data: bytes, path: Path, budget: Budget) -> list[str]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise UnreadableFileError(path, "不是有效的 PDF 文件")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise UnreadableFileError(path, "PDF 已加密，需要密码才能读取")
            except (FileNotDecryptedError, NotImplementedError) as exc:
                raise UnreadableFileError(path, "PDF 已加密，需要密码才能读取") from exc
        if len(reader.pages) > MAX_PDF_PAGES:
            raise UnreadableFileError(path, f"PDF 页数过多（{len(reader.pages)} 页，上限 {MAX_PDF_PAGES} 页）")
        pages = []
        for page in reader.pages:   # budgets checked per page: stop as soon as one is spent
            pages.append(page.extract_text() or "")
            budget.spend(len(pages[-1]))
    except UnreadableFileError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError) as exc:
        log.info("pdf %s unreadable: %r", path, exc)
        raise UnreadableFileError(path, "PDF 文件损坏，无法解析") from exc
    if not "".join(pages).strip():
        raise UnreadableFileError(path, "PDF 没有文字层（可能是扫描件），请提供可复制文字的版本")
    return pages


def _join_wrapped(text: str) -> str:
    """A table cell's wrapped lines as one line: no space inside Chinese text, one elsewhere."""
    out = ""
    for part in (p.strip() for p in (text or "").split("\n")):
        if not part:
            continue
        cjk_seam = out and re.match(r"[\u3000-\u9fff\uff00-\uffef]", part[0]) \
            and re.match(r"[\u3000-\u9fff\uff00-\uffef]", out[-1])
        out += part if (not out or cjk_seam) else " " + part
    return out


def _pdf_laid_out_pages(data: bytes, path: Path, budget: Budget) -> list[str]:
    """Each page's lines top to bottom, a ruled table in place as one tab-joined line per row
    (a cell's wrapped lines joined), so that a PDF's 工作安排表 reads like a DOCX one."""
    import io

    import pdfplumber

    pages = []
    with pdfplumber.open(io.BytesIO(data), password="") as pdf:
        for page in pdf.pages:
            tables = [t for t in page.find_tables() if len(t.rows) >= 2 and len(t.columns) >= 2]
            rest = page
            for table in tables:
                rest = rest.outside_bbox(table.bbox)
            items = [(line["top"], line["text"]) for line in rest.extract_text_lines(return_chars=False)]
            for table in tables:
                rows = ["\t".join(_join_wrapped(cell) for cell in row if cell is not None)
                        for row in table.extract()]
                items.append((table.bbox[1], "\n" + "\n".join(rows) + "\n"))
            pages.append("\n".join(text for _, text in sorted(items, key=lambda item: item[0])))
            page.close()
            budget.spend(len(pages[-1]))
    return pages


def _check_docx_size(path: Path) -> None:
    """Inflate every part once, counting bytes and stopping at the caps, before python-docx
    parses anything (declared sizes in the zip directory can lie)."""
    xml_total = total = 0
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            is_xml = info.filename.lower().endswith((".xml", ".rels"))
            size = 0
            with zf.open(info) as fh:
                while chunk := fh.read(1 << 20):
                    size += len(chunk)
                    total += len(chunk)
                    xml_total += len(chunk) if is_xml else 0
                    if total > MAX_DOCX_UNPACKED or xml_total > MAX_DOCX_XML:
                        raise UnreadableFileError(path, "DOCX 解压后体积异常（疑似压缩炸弹），已拒绝")
                    if is_xml and size > 1 << 20 and size > MAX_DOCX_RATIO * max(info.compress_size, 1):
                        raise UnreadableFileError(
                            path, f"DOCX 压缩比异常（超过 {MAX_DOCX_RATIO} 倍，疑似压缩炸弹），已拒绝")


def _docx_text(path: Path, budget: Budget) -> str:
    import docx
    from docx.text.paragraph import Paragraph

    try:
        _check_docx_size(path)
        document = docx.Document(str(path))
    except UnreadableFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, zlib.error) as exc:
        raise UnreadableFileError(path, "不是有效的 DOCX 文件") from exc
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        log.info("docx %s unreadable: %r", path, exc)
        raise UnreadableFileError(path, "DOCX 文件损坏，无法解析") from exc

    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(block, document).text)
            budget.spend(len(lines[-1]))
        elif tag == "tbl":
            lines.append("")
            for cells in _docx_rows(block):
                lines.append("\t".join(cells))
                budget.spend(len(lines[-1]) + 1)   # per row: a table of 20,000 rows stops early
            lines.append("")
    return "\n".join(lines)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_rows(table):
    """A table's rows as the reader sees them, read from the XML in one pass: a cell spanning
    columns once, a vertically merged cell's text on every row it covers. (python-docx's
    `row.cells` raises ValueError on some merges WPS writes and is quadratic in merged rows.)"""
    above: dict[int, str] = {}   # grid column → text of the merged cell that started above
    for tr in table.iterchildren(_W + "tr"):
        cells, col = [], 0
        for tc in tr.iterchildren(_W + "tc"):
            props = tc.find(_W + "tcPr")
            span, merge = 1, None
            if props is not None:
                grid = props.find(_W + "gridSpan")
                if grid is not None and (grid.get(_W + "val") or "").isdigit():
                    span = max(1, min(int(grid.get(_W + "val")), 64))
                vmerge = props.find(_W + "vMerge")
                if vmerge is not None:
                    merge = vmerge.get(_W + "val") or "continue"
            if merge == "continue":
                value = above.get(col, "")
            else:
                value = " ".join(" ".join("".join(t.text or "" for t in para.iter(_W + "t"))
                                          for para in tc.iter(_W + "p")).split())
                if merge == "restart":
                    above[col] = value
                else:
                    above.pop(col, None)
            cells.append(value)
            col += span
        yield cells


# Block-level elements: each starts a new line when a page is rendered as lines.
_BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
           "table", "ul", "ol", "dl", "dt", "dd", "header", "footer", "nav", "center", "blockquote"}
_UNSEEN = {"script", "style", "noscript", "template", "head", "title", "select", "option", "svg"}
_LABEL_CELL = re.compile(r"^[\u4e00-\u9fff\s]{2,8}[:：]$")


def _row_lines(cells: list[str]) -> list[str]:
    """A table row as lines: a page's info table ("索引号： | … | 发布机构： | …") as one
    "label：value" line per field, any other row as its tab-joined cells."""
    if len(cells) >= 2 and len(cells) % 2 == 0 and all(_LABEL_CELL.match(c) for c in cells[::2]):
        return [f"{label}{value}" for label, value in zip(cells[::2], cells[1::2])]
    return ["\t".join(cells)]


def _page_lines(tree) -> list[str]:
    """The visible text of a whole page, a line per block element and a row's cells tab-joined."""
    out: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        line = " ".join("".join(parts).split())
        if line:
            out.append(line)
        parts.clear()

    def walk(el) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in _UNSEEN or not isinstance(el.tag, str):
            parts.append(el.tail or "")
            return
        if tag in _BLOCKS:
            flush()
        if tag == "tr":
            out.extend(_row_lines([" ".join(c.text_content().split()) for c in el
                                   if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")]))
        else:
            parts.append(el.text or "")
            for child in el:
                walk(child)
        if tag in _BLOCKS:
            flush()
        parts.append(el.tail or "")

    walk(tree)
    flush()
    return out


def _article_lines(xml: str) -> list[str]:
    """Lines of trafilatura's XML: paragraphs, headings and list items one per line; a data table
    one line per row with tab-joined cells; a layout table (one cell per row) as its paragraphs."""
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    out: list[str] = []

    def text(el) -> str:
        return " ".join("".join(el.itertext()).split())

    def block(el) -> None:
        if el.tag == "table":
            out.append("")  # a table ends where the next paragraph starts, as in a DOCX
            for row in el.iter("row"):
                cells = [c for c in row if c.tag == "cell"]
                if len(cells) == 1 and cells[0].find("p") is not None:
                    for child in cells[0]:
                        block(child)
                elif cells:
                    out.extend(_row_lines([text(c) for c in cells]))
            out.append("")
        elif el.tag == "list":
            for item in el.iter("item"):
                out.append(text(item))
        elif el.tag in ("graphic", "comments"):
            return
        elif (line := text(el)):
            out.append(line)

    for el in (main if main is not None else []):
        block(el)
    return out


# One tag: its slash, its name, and whether it closes itself; comments and doctypes do not match.
# No part of a match crosses `<` or `>`, so each attempt ends at the next one: linear overall.
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)(?:[^<>\"']|\"[^\"<>]*\"|'[^'<>]*')*?(/?)>")
# Elements that never hold others, or whose end tag is routinely left out (they do not nest deeper).
_FLAT = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
         "track", "wbr", "p", "li", "td", "th", "tr", "option", "dt", "dd"}


def _with_dropped(article: list[str], page: list[str], first: int) -> list[str]:
    """The article with the plain paragraphs trafilatura dropped inside it put back: it leaves
    out a paragraph that repeats an earlier one, and a signature (武胜县…办公室 above its date)
    repeats the organ of the title. A dropped line goes back where it stood on the page, between
    the article lines around it; tables and headings stay as trafilatura gave them."""
    out, at = [], first
    for line in article:
        k = next((i for i in range(at, min(at + 8, len(page))) if page[i] == line), None)
        if k is not None:
            out.extend(p for p in page[at:k] if p in article)   # only lines the article holds elsewhere
            at = k + 1
        out.append(line)
    return out


def _check_html_shape(html: str, path: Path) -> None:
    """Reject pathological nesting or tag counts with one linear pass, before any HTML parser."""
    depth = deepest = tags = 0
    for m in _HTML_TAG.finditer(html):
        tags += 1
        if tags > MAX_HTML_TAGS:
            raise UnreadableFileError(path, f"网页标签过多（超过 {MAX_HTML_TAGS} 个），结构异常，已拒绝")
        closing, name, self_closing = m.group(1), m.group(2).lower(), m.group(3)
        if name in _FLAT or self_closing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
        if deepest > MAX_HTML_DEPTH:
            raise UnreadableFileError(path, f"网页嵌套过深（超过 {MAX_HTML_DEPTH} 层），结构异常，已拒绝")


def _html_text(html: str, path: Path) -> str:
    """Text of a web page: the article as trafilatura finds it, headed by the page's title and
    its own fields (发布时间, 来源, 文号 …) that stand before the article."""
    import lxml.html
    import trafilatura

    try:
        tree = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise UnreadableFileError(path, "网页内容为空或无法解析") from exc
    page = _page_lines(tree.body if tree.find("body") is not None else tree)
    xml = trafilatura.extract(html, include_tables=True, favor_recall=True, output_format="xml",
                              include_comments=False, deduplicate=False)
    article = _article_lines(xml) if xml else []
    if not article:
        log.info("no article found in a web page; keeping all of its text")
        return "\n".join(page) + "\n"
    first = next((i for i, line in enumerate(page) if article[0] in line or line in article[0]), len(page))
    article = _with_dropped(article, page, first)
    head = []
    meta = trafilatura.extract_metadata(html)
    title = meta.title.strip() if meta is not None and meta.title else ""
    if title and title in html and not any(title in line for line in article):
        head.append(title)
    for line in page[:first]:
        # the page's own fields around the article (发布时间, 来源, 文号 …), which article
        # extractors leave out by design
        if PAGE_FIELD.search(line) and len(line) <= 300:
            head.extend(NEXT_FIELD.split(line.replace("\t", " ")))
    text = "\n".join(head + article)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _html_file(data: bytes, path: Path, budget: Budget) -> str:
    html = decode_text(data, path)
    _check_html_shape(html, path)
    return _html_text(html, path)


# One registry: extension → (format name, loader(data, path, budget) → text), in the order
# people are told the formats (the one most often sent first). A new format is one loader
# function and one line here.
LOADERS = {
    ".pdf": ("pdf", _pdf_text),
    ".docx": ("docx", lambda data, path, budget: _docx_text(path, budget)),
    ".html": ("html", _html_file),
    ".htm": ("html", _html_file),
    ".md": ("md", lambda data, path, budget: decode_text(data, path)),
    ".txt": ("txt", lambda data, path, budget: decode_text(data, path)),
}
SUPPORTED = frozenset(LOADERS)
FORMATS = "、".join(dict.fromkeys(name.upper() for name, _ in LOADERS.values()))
# Formats people send that cannot be read, with what to do instead
REFUSED = {
    ".doc": "不支持旧版 Word (.doc) 文件，请另存为 .docx 后再上传",
    ".wps": "不支持 WPS (.wps) 文件，请另存为 .docx 或 PDF 后再上传",
    ".xls": "表格文件不是通知正文，请上传通知本身（PDF、DOCX 等）",
    ".xlsx": "表格文件不是通知正文，请上传通知本身（PDF、DOCX 等）",
    ".jpg": "图片中的文字无法读取，请上传可复制文字的 PDF 或 DOCX",
    ".png": "图片中的文字无法读取，请上传可复制文字的 PDF 或 DOCX",
}
