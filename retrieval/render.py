"""Answer → plain text (terminal, bot) and JSON; the only place that decides reply layout."""
from __future__ import annotations

from dataclasses import asdict

from .models import Answer, Citation, Document


# Display caps: a title or heading path read from a hostile file can be any length, and a source
# line must stay a line (a real circular's title is under 100 characters, a heading path under 150).
TITLE_SHOWN = 120
HEADING_SHOWN = 160
NAME_SHOWN = 80     # file names, 文号, issuers, regions


def clip(text: str, limit: int) -> str:
    """text, cut to at most limit characters with an ellipsis when longer."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def source_line(c: Citation) -> str:
    """Where a passage comes from: region, year, title, 文号, heading path."""
    parts = [p for p in (clip(c.region, NAME_SHOWN), f"{c.year}年" if c.year else "") if p]
    head = "·".join(parts)
    title = f"《{clip(c.title, TITLE_SHOWN)}》" if c.title else ""
    number = clip(c.doc_number or "", NAME_SHOWN)
    return f"{head} {title}{number} › {clip(c.heading, HEADING_SHOWN)}{page_label(c.page)}".strip()


def page_label(page: int | None) -> str:
    """“（第2页）” after a heading path when the source is a PDF."""
    return f"（第{page}页）" if page else ""


def short_source(doc_number: str, title: str, heading: str, page: int | None = None) -> str:
    """The compact source line under a group of schedule entries: 文号 › heading path (page)."""
    source = clip(doc_number, NAME_SHOWN) or clip(title, TITLE_SHOWN)
    return f"   —— {source} › {clip(heading, HEADING_SHOWN)}{page_label(page)}"


def passage_blocks(answer: Answer, citations: list[Citation] | None = None) -> list[str]:
    """One text block per quoted passage (or per region for month/when answers), so a long
    reply can be split between them."""
    if citations is None and answer.blocks:
        return list(answer.blocks)
    cites = answer.citations if citations is None else citations
    blocks = []
    for i, c in enumerate(cites, 1):
        blocks.append(f"{i}. {c.text}\n   —— {source_line(c)}")
    return blocks


def reply_parts(answer: Answer) -> tuple[str, list[str], list[str]]:
    """(headline, blocks, notes) of a reply; plain text and Telegram HTML both lay these out."""
    if answer.kind == "meta":
        blocks = [f"—— {source_line(c)}：{c.text}" for c in answer.citations]
    else:
        blocks = passage_blocks(answer)
    return answer.answer, blocks, [f"注：{n}" for n in answer.notes]


def to_text(answer: Answer) -> str:
    """Human-readable reply."""
    head, blocks, notes = reply_parts(answer)
    return "\n".join(p for p in [head, *blocks, *notes] if p)


def to_json(answer: Answer) -> dict:
    """The `ask --json` object."""
    out = {
        "question": answer.question,
        "answer": to_text(answer),
        "kind": answer.kind,
        "citations": [
            {k: v for k, v in asdict(c).items()
             if k in ("doc", "title", "doc_number", "region", "year", "heading", "text", "start", "end", "page")}
            for c in answer.citations
        ],
    }
    if answer.months or answer.schedule:
        out["months"] = answer.months
        out["schedule"] = answer.schedule
    return out


def doc_card(d: Document) -> tuple[str, str, str, str]:
    """One indexed document as (region · year, title, 文号 · date, 文件编号): what `docs` and /docs show."""
    from .plans import place_name
    date = d.date or d.printed_date or d.published or "日期不详"
    head = f"{clip(place_name(d), NAME_SHOWN)} {d.year or ''}年".strip()
    return (head, clip(d.title, TITLE_SHOWN) or "标题未识别",
            f"{clip(d.doc_number or '无文号', NAME_SHOWN)} · {clip(date, NAME_SHOWN)}",
            clip(d.doc_id, 2 * TITLE_SHOWN))


def docs_text(docs: list[Document]) -> str:
    """The `docs` listing as plain text."""
    lines = [f"已收录 {len(docs)} 份工作要点："]
    for d in docs:
        head, title, number, doc_id = doc_card(d)
        lines.append(f"{head}\n  {title}\n  {number}\n  文件编号：{doc_id}")
    return "\n".join(lines)
