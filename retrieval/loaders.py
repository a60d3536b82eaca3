"""Read a circular file (TXT/MD/PDF/DOCX/HTML) into plain text, or reject it with a reason."""
from __future__ import annotations

import codecs
import hashlib
import logging
import re
import time
import zipfile
import zlib
from pathlib import Path

from .errors import UnreadableFileError

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
MAX_HTML_DEPTH = 512                    # nesting; BeautifulSoup's cost grows with depth²
MAX_HTML_TAGS = 100_000
PARSE_SECONDS = 30.0                    # wall clock for one file, checked between pages


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Budget:
    """Characters and seconds one file may cost while it is parsed; `spend` is called per page
    or paragraph and raises UnreadableFileError as soon as either runs out."""

    def __init__(self, path: Path):
        self.path = path
        self.chars = 0
        self.deadline = time.monotonic() + PARSE_SECONDS

    def spend(self, chars: int) -> None:
        self.chars += chars
        if self.chars > MAX_TEXT:
            raise UnreadableFileError(self.path, f"文字内容过长（超过 {MAX_TEXT} 字），不像一份工作要点")
        if time.monotonic() > self.deadline:
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
    fmt, load = LOADERS[ext]
    text = load(data, path, Budget(path))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n").replace("\x00", "")
    if len(text) > MAX_TEXT:
        raise UnreadableFileError(path, f"文字内容过长（{len(text)} 字，上限 {MAX_TEXT} 字），不像一份工作要点")
    if not re.search(r"[\u4e00-\u9fff]", text):
        raise UnreadableFileError(path, "文件中没有可识别的中文文字")
    return text, fmt, digest


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


def _pdf_text(data: bytes, path: Path, budget: Budget) -> str:
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
    text = "\n".join(pages)
    if not text.strip():
        raise UnreadableFileError(path, "PDF 没有文字层（可能是扫描件），请提供可复制文字的版本")
    return text


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
    from docx.table import Table
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
            for row in Table(block, document).rows:
                cells = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    # merged cells repeat; keep the row as the reader sees it
                    if not cells or value != cells[-1] or not value:
                        cells.append(value)
                lines.append("\t".join(cells))
            lines.append("")
            budget.spend(sum(len(line) for line in lines[-3:]))
    return "\n".join(lines)


_NOISE = re.compile(r"nav|menu|header|footer|breadcrumb|crumb|share|sidebar|banner|position|location|copyright|toolbar", re.I)
_CONTENT = re.compile(r"^(zoom|content|article|main|TRS_Editor|Custom_UnionStyle|detail|text|pages?_content|wzcon|xxgk)", re.I)
_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "td", "th"}


# One tag: its slash, its name, and whether it closes itself; comments and doctypes do not match.
# No part of a match crosses `<` or `>`, so each attempt ends at the next one: linear overall.
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)(?:[^<>\"']|\"[^\"<>]*\"|'[^'<>]*')*?(/?)>")
# Elements that never hold others, or whose end tag is routinely left out (they do not nest deeper).
_FLAT = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
         "track", "wbr", "p", "li", "td", "th", "tr", "option", "dt", "dd"}


def _check_html_shape(html: str, path: Path) -> None:
    """Reject pathological nesting or tag counts with one linear pass, before BeautifulSoup."""
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


def _html_text(html: str) -> str:
    """Main text of a government web page: navigation, scripts and footers removed."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form",
                     "iframe", "button", "select", "input", "svg"]):
        tag.decompose()
    for tag in soup.find_all(True):
        if getattr(tag, "decomposed", False) or tag.attrs is None:
            continue
        attrs = " ".join([tag.get("id") or ""] + list(tag.get("class") or []))
        if attrs.strip() and _NOISE.search(attrs) and not _CONTENT.search(attrs):
            tag.decompose()
    root = None
    for tag in soup.find_all(True):
        ident = [tag.get("id") or ""] + list(tag.get("class") or [])
        if any(_CONTENT.match(x) for x in ident if x):
            if len(tag.get_text(strip=True)) > 50:
                root = tag
                break
    root = root or soup.body or soup
    for table in root.find_all("table"):
        rows = []
        for tr in table.find_all("tr"):
            cells = [" ".join(c.get_text(" ").split()) for c in tr.find_all(["td", "th"])]
            rows.append("\t".join(cells))
        table.replace_with(soup.new_string("\n" + "\n".join(rows) + "\n"))
    for br in root.find_all("br"):
        br.replace_with(soup.new_string("\n"))
    for tag in root.find_all(list(_BLOCK_TAGS)):
        tag.insert_before(soup.new_string("\n"))
        tag.insert_after(soup.new_string("\n"))
    text = root.get_text()
    lines = [" ".join(line.split()) if "\t" not in line else line.strip() for line in text.split("\n")]
    out, blank = [], 0
    for line in lines:
        blank = blank + 1 if not line else 0
        if blank <= 1:
            out.append(line)
    return "\n".join(out).strip() + "\n"


def _html_file(data: bytes, path: Path, budget: Budget) -> str:
    html = decode_text(data, path)
    _check_html_shape(html, path)
    return _html_text(html)


# One registry: extension → (format name, loader(data, path, budget) → text). A new format is
# one loader function and one line here.
LOADERS = {
    ".txt": ("txt", lambda data, path, budget: decode_text(data, path)),
    ".md": ("md", lambda data, path, budget: decode_text(data, path)),
    ".pdf": ("pdf", _pdf_text),
    ".docx": ("docx", lambda data, path, budget: _docx_text(path, budget)),
    ".html": ("html", _html_file),
    ".htm": ("html", _html_file),
}
SUPPORTED = frozenset(LOADERS)
FORMATS = "PDF、DOCX、HTML、MD、TXT"
# Formats people send that cannot be read, with what to do instead
REFUSED = {
    ".doc": "不支持旧版 Word (.doc) 文件，请另存为 .docx 后再上传",
    ".wps": "不支持 WPS (.wps) 文件，请另存为 .docx 或 PDF 后再上传",
    ".xls": "表格文件不是通知正文，请上传通知本身（PDF、DOCX 等）",
    ".xlsx": "表格文件不是通知正文，请上传通知本身（PDF、DOCX 等）",
    ".jpg": "图片中的文字无法读取，请上传可复制文字的 PDF 或 DOCX",
    ".png": "图片中的文字无法读取，请上传可复制文字的 PDF 或 DOCX",
}
