"""Blocks → chunks: display text with source offsets; long paragraphs split at sentence ends."""
from __future__ import annotations

import re

from .models import Chunk, Document
from .structure import RE_BOLD, parse
from .textnorm import SENTENCE, clean, normalize

MAX_CHUNK = 320   # characters; longer paragraphs are split between sentences
HEAD = "文件信息"   # the heading of a document's header lines as a passage
RE_ATTACHMENT = re.compile(r"^附\s*件")
_CJKISH = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u2014\u2018-\u201d\u2026]")
_SPACES = " \u00a0\u3000\t"


RE_HEADING_MARK = re.compile(r"(?m)^[ \t]*#{1,6}[ \t]*(?=\S)")


def display(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[int]]:
    """Join source spans into display text; returns the text and each character's source offset."""
    chars: list[str] = []
    offs: list[int] = []
    for s, e in spans:
        seg = text[s:e]
        # Markdown's bold marks and a heading's leading #s (## 关于印发… in a .txt) are layout
        bold = [(m.start(), m.end()) for m in RE_BOLD.finditer(seg)]
        bold += [(m.start(), m.end()) for m in RE_HEADING_MARK.finditer(seg)]
        skip = set()
        for a, b in bold:
            skip.update(range(a, b))
        for i, ch in enumerate(seg):
            if i in skip:
                continue
            chars.append(ch if ch not in "\n\r" else " ")
            offs.append(s + i)
        chars.append(" ")  # segment boundary; dropped below when next to CJK
        offs.append(e)
    out_c, out_o = [], []
    n = len(chars)
    # the first non-space at or after each position, found in one backward pass (scanning
    # forward from every space made a long run of spaces quadratic)
    after = [n] * (n + 1)
    for i in range(n - 1, -1, -1):
        after[i] = after[i + 1] if chars[i] in _SPACES else i
    for i, ch in enumerate(chars):
        if ch in _SPACES:
            prev = out_c[-1] if out_c else ""
            j = after[i + 1]
            nxt = chars[j] if j < n else ""
            if not prev or not nxt or prev == " " or _CJKISH.match(prev) or _CJKISH.match(nxt):
                continue
            ch = " "
        out_c.append(ch)
        out_o.append(offs[i])
    # trim characters and offsets together, so offsets keep pointing at their characters
    lo, hi = 0, len(out_c)
    while lo < hi and out_c[lo].isspace():
        lo += 1
    while hi > lo and out_c[hi - 1].isspace():
        hi -= 1
    return "".join(out_c[lo:hi]), out_o[lo:hi]




def _split_long(text: str, offs: list[int]) -> list[tuple[str, int, int]]:
    """Split text into pieces of at most MAX_CHUNK characters at sentence boundaries."""
    if len(text) <= MAX_CHUNK:
        return [(text, offs[0], offs[-1] + 1)]
    pieces, cur_start, cur_end = [], 0, 0
    for m in SENTENCE.finditer(text):
        if m.end() - cur_start > MAX_CHUNK and cur_end > cur_start:
            pieces.append((cur_start, cur_end))
            cur_start = cur_end
        cur_end = m.end()
    if cur_end > cur_start:
        pieces.append((cur_start, cur_end))
    out = []
    for a, b in pieces:
        while b - a > MAX_CHUNK * 2:  # one enormous sentence: cut it hard
            out.append((a, a + MAX_CHUNK))
            a += MAX_CHUNK
        out.append((a, b))
    return [(text[a:b], offs[a], offs[b - 1] + 1) for a, b in out if text[a:b].strip()]


def chunk_document(doc: Document, first_id: int = 0) -> list[Chunk]:
    """All passages of a document, in reading order, numbered from first_id."""
    chunks: list[Chunk] = []
    head: list = []     # a run of header lines (文号, dates, organs, 落款): one passage of its own
    title = clean(doc.title)

    def close_head():
        spans = [sp for b in head for sp in b.spans]
        head.clear()
        text, offs = display(doc.text, spans) if spans else ("", [])
        if text:
            chunks.append(Chunk(first_id + len(chunks), doc.doc_id, HEAD, text, offs[0], offs[-1] + 1, "head"))

    for block in parse(doc.text):
        if block.kind == "header":
            if head and doc.text[head[-1].end:block.start].strip():
                close_head()   # a line between (附件) that is no header line: a passage is one stretch
            line = clean(doc.text[block.start:block.end].lstrip("# "))
            # the title is every citation's; an attachment's title repeats the topic's words and
            # would outrank the passages that say something about it
            if line != title and not RE_ATTACHMENT.match(line):
                head.append(block)
            else:
                close_head()   # a passage's text is one stretch of the source
            continue
        close_head()
        heading = " > ".join(block.heading)
        if block.kind == "row":
            cells = [display(doc.text, c)[0] if c else "" for c in block.cells]
            text = "　".join(c for c in cells if c)
            if not text:
                continue
            chunks.append(Chunk(first_id + len(chunks), doc.doc_id, heading, text,
                                block.start, block.end, "row", list(block.header), cells))
            continue
        text, offs = display(doc.text, block.spans)
        if not text:
            continue
        for piece, s, e in _split_long(text, offs):
            chunks.append(Chunk(first_id + len(chunks), doc.doc_id, heading, piece, s, e))
    close_head()
    return chunks


def search_text(chunk: Chunk) -> str:
    """What BM25 indexes for a chunk (normalized heading path and text)."""
    return normalize(f"{chunk.heading} {row_text(chunk)}")


def row_text(chunk: Chunk) -> str:
    """A table row with its header, e.g. `时间：四月；工作主要内容：对幼儿园…`."""
    if chunk.kind != "row" or not chunk.table_header:
        return chunk.text
    pairs = []
    for i, cell in enumerate(chunk.cells):
        if not cell:
            continue
        name = chunk.table_header[i] if i < len(chunk.table_header) else ""
        pairs.append(f"{name}：{cell}" if name else cell)
    return "；".join(pairs)
