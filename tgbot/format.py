"""Answer → Telegram HTML messages: every piece of source text escaped, each under 4,096 chars.

Long text is cut as plain text, before escaping, so a cut never falls inside a tag or an entity;
lengths are counted in UTF-16 code units, as Telegram counts them."""
from __future__ import annotations

from html import escape

from retrieval.models import Answer, Citation, Document, Section
from retrieval.render import line_texts, passages, sections, source_line
from retrieval.report import DOC_HINT, doc_card, docs_head

LIMIT = 4096
SAFE = LIMIT - 96   # room for the part counter


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _wrap(tag: str, plain: str) -> str:
    return f"<{tag}>{escape(plain)}</{tag}>" if tag else escape(plain)


def fit_line(segments: list[tuple[str, str]], limit: int = SAFE) -> list[str]:
    """One line of (tag, plain text) segments as HTML pieces of at most `limit` units each; the
    plain text is cut, then each piece escaped and wrapped, so every piece is valid HTML."""
    worst = sum(6 * units(text) + 2 * len(tag) + 5 for tag, text in segments)
    if worst <= limit:
        return ["".join(_wrap(tag, text) for tag, text in segments)]
    pieces: list[str] = []
    cur: list[tuple[str, list[str]]] = []
    size = 0
    for tag, text in segments:
        overhead = 2 * len(tag) + 5 if tag else 0
        opened = False
        for ch in text:
            cost = len(escape(ch)) + (ord(ch) > 0xFFFF) + (0 if opened else overhead)
            if size and size + cost > limit:
                pieces.append("".join(_wrap(t, "".join(chs)) for t, chs in cur))
                cur, size, opened = [], 0, False
                cost = len(escape(ch)) + (ord(ch) > 0xFFFF) + overhead
            if not opened:
                cur.append((tag, []))
                opened = True
            cur[-1][1].append(ch)
            size += cost
    if cur:
        pieces.append("".join(_wrap(t, "".join(chs)) for t, chs in cur))
    return pieces or [""]


def html_text(plain: str, tag: str = "") -> str:
    """Plain text (any length, any lines) as HTML lines, each short enough for one message."""
    return "\n".join(piece for line in plain.split("\n") for piece in fit_line([(tag, line)]))


def section_parts(section: Section) -> list[str]:
    """A section as HTML parts (a quoted passage stays with its source): its 【place】 in bold,
    sources and metadata fields in italics, everything else plain."""
    parts = []
    for run in line_texts(section):
        lines = []
        for text, line in run:
            if line is None:
                head = f"【{section.place}】" if section.place else ""
                lines.extend(fit_line([("b", head), ("", section.title)] if head else [("", text)]))
            elif line.role in ("source", "field"):
                lines.extend(fit_line([("i", text)]))
            else:
                lines.extend(fit_line([("", text)]))
        parts.append("\n".join(lines))
    return parts


def pack(parts: list[str]) -> list[str]:
    """Join HTML parts into as few messages as fit; a part is split (at its line ends) only
    when it cannot fit in a message of its own. Every line must fit in a message (build parts
    with html_text / fit_line): cutting HTML itself could split a tag or an entity."""
    messages, cur = [], ""

    def add(piece: str, sep: str):
        nonlocal cur
        if units(piece) > SAFE:
            raise ValueError("an HTML line longer than a message: build it with fit_line")
        if cur and units(cur) + len(sep) + units(piece) > SAFE:
            messages.append(cur)
            cur = piece
        else:
            cur = f"{cur}{sep}{piece}" if cur else piece

    for part in parts:
        if units(part) <= SAFE:
            add(part, "\n\n")
            continue
        for i, piece in enumerate(part.split("\n")):
            add(piece, "\n\n" if i == 0 else "\n")
    if cur:
        messages.append(cur)
    if len(messages) > 1:
        messages = [f"{m}\n\n<i>（{i}/{len(messages)}）</i>" for i, m in enumerate(messages, 1)]
    return messages


# what a hint (Answer.hint, EngineError.hint) says in the chat; a replace is offered by buttons
BOT_HINTS = {"docs": "（发送 /docs 查看已收录的文件及其编号）", "replace": ""}


def error_text(exc: Exception) -> str:
    """An engine error as told in the chat: its reason and the chat command that helps."""
    return f"{getattr(exc, 'reason', exc)}{BOT_HINTS.get(getattr(exc, 'hint', ''), '')}"


def answer_messages(answer: Answer) -> list[str]:
    """The reply to a question as HTML messages: the same sections as the plain-text reply."""
    first, _, rest = answer.answer.partition("\n")
    first += BOT_HINTS.get(answer.hint, "")
    parts = [html_text(first, "b")] + ([html_text(rest)] if rest else [])
    parts.extend(p for s in sections(answer) for p in section_parts(s))
    parts.extend(html_text(f"注：{n}", "i") for n in answer.notes)
    return pack(parts)


def more_messages(citations: list[Citation]) -> list[str]:
    """Further passages, shown when the user presses “更多原文”."""
    return pack(["<b>更多相关原文：</b>", *section_parts(passages(citations))])


def section_messages(section: Citation) -> list[str]:
    """A cited passage's whole section, as its button shows it: heading, text, source."""
    head = html_text(f"原文所在章节：{section.heading or '文件开头'}", "b")
    return pack([head, html_text(section.text), html_text(f"—— {source_line(section)}", "i")])


def docs_messages(docs: list[Document]) -> list[str]:
    """/docs: each indexed circular as a card (its title in bold, 文件编号 in italics)."""
    parts = [f"<b>{escape(docs_head(docs))}</b>"]
    for d in docs:
        title, head, number, doc_id = (escape(x) for x in doc_card(d))
        parts.append(f"<b>{title}</b>\n{head}\n{number}\n<i>文件编号：{doc_id}</i>")
    parts.append(escape(DOC_HINT))
    return pack(parts)


def plain_message(text: str, limit: int = LIMIT) -> str:
    """A plain-text (no parse mode) reply cut to one message, with an ellipsis when cut."""
    if units(text) <= limit:
        return text
    out, size = [], 1
    for ch in text:
        size += 1 + (ord(ch) > 0xFFFF)
        if size > limit:
            break
        out.append(ch)
    return "".join(out) + "…"


def plain_lines(lines: list[str], limit: int = LIMIT) -> str:
    """Plain-text lines joined into one message; lines that do not fit are counted, not cut."""
    out, size = [], 0
    for i, line in enumerate(lines):
        line = plain_message(line, limit - 40)
        if size + units(line) + 1 > limit - 40:   # 40: room for the count line
            out.append(f"……另有 {len(lines) - i} 行未列出")
            break
        out.append(line)
        size += units(line) + 1
    return "\n".join(out)
