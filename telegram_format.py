"""Answer → Telegram HTML messages: every piece of source text escaped, each under 4,096 chars."""
from __future__ import annotations

from html import escape

from retrieval.models import Answer, Citation
from retrieval.render import passage_blocks, reply_parts

LIMIT = 4096
SAFE = LIMIT - 96   # room for the part counter


def _block_html(block: str) -> str:
    """A passage block: the quote plain, the source line (starting with ——) in italics."""
    lines = []
    for line in block.split("\n"):
        stripped = line.strip()
        if stripped.startswith("——"):
            lines.append(f"<i>{escape(line)}</i>")
        elif stripped.startswith("【") and "】" in stripped:
            head, _, rest = stripped.partition("】")
            lines.append(f"<b>{escape(head + '】')}</b>{escape(rest)}")
        else:
            lines.append(escape(line))
    return "\n".join(lines)


def _safe_cut(line: str, limit: int) -> int:
    """A cut position at or before limit that is neither inside a tag nor inside an entity."""
    cut = limit
    lt, gt = line.rfind("<", 0, cut), line.rfind(">", 0, cut)
    if lt > gt:
        cut = lt
    amp = line.rfind("&", max(0, cut - 8), cut)
    if amp != -1 and ";" not in line[amp:cut]:
        cut = amp
    return max(cut, 1)


def _split_long(html_block: str) -> list[str]:
    """An over-long block as lines, each cut further only where no tag or entity is open."""
    out = []
    for line in html_block.split("\n"):
        while len(line) > SAFE:
            cut = _safe_cut(line, SAFE)
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out


def pack(parts: list[str]) -> list[str]:
    """Join HTML parts into as few messages as fit; a part is split (at its line ends) only
    when it cannot fit in a message of its own."""
    messages, cur = [], ""

    def add(piece: str, sep: str):
        nonlocal cur
        if cur and len(cur) + len(sep) + len(piece) > SAFE:
            messages.append(cur)
            cur = piece
        else:
            cur = f"{cur}{sep}{piece}" if cur else piece

    for part in parts:
        if len(part) <= SAFE:
            add(part, "\n\n")
            continue
        for i, piece in enumerate(_split_long(part)):
            add(piece, "\n\n" if i == 0 else "\n")
    if cur:
        messages.append(cur)
    if len(messages) > 1:
        messages = [f"{m}\n\n<i>（{i}/{len(messages)}）</i>" for i, m in enumerate(messages, 1)]
    return messages


def answer_messages(answer: Answer) -> list[str]:
    """The reply to a question as HTML messages: the same parts as the plain-text reply."""
    head, blocks, notes = reply_parts(answer)
    first, _, rest = head.partition("\n")
    parts = [f"<b>{escape(first)}</b>"] + ([escape(rest)] if rest else [])
    parts.extend(_block_html(b) for b in blocks)
    parts.extend(f"<i>{escape(n)}</i>" for n in notes)
    return pack(parts)


def more_messages(citations: list[Citation]) -> list[str]:
    """Further passages, shown when the user presses “更多原文”."""
    blocks = passage_blocks(Answer("", "passages", ""), citations)
    return pack(["<b>更多相关原文：</b>"] + [_block_html(b) for b in blocks])

