"""Answer → plain text (terminal, bot) and JSON; the only place that decides reply layout."""
from __future__ import annotations

from dataclasses import asdict

from .models import Answer, Citation


def source_line(c: Citation) -> str:
    """Where a passage comes from: region, year, title, 文号, heading path."""
    parts = [p for p in (c.region, f"{c.year}年" if c.year else "") if p]
    head = "·".join(parts)
    title = f"《{c.title}》" if c.title else ""
    number = c.doc_number or ""
    return f"{head} {title}{number} › {c.heading}".strip()


def short_source(doc_number: str, title: str, heading: str) -> str:
    """The compact source line under a group of schedule entries: 文号 › heading path."""
    return f"   —— {doc_number or title} › {heading}"


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
             if k in ("doc", "title", "doc_number", "region", "year", "heading", "text", "start", "end")}
            for c in answer.citations
        ],
    }
    if answer.months or answer.schedule:
        out["months"] = answer.months
        out["schedule"] = answer.schedule
    return out
