"""Which circulars a question is about: per region, the plans of the asked year or else the most
recent ones — and a note saying so whenever the year asked is not there."""
from __future__ import annotations

from .models import Document


def place_name(doc: Document) -> str:
    """How replies name a document's place: its region, else its issuer, title or 文号."""
    return doc.region or doc.issuer or (doc.title[:24] if doc.title else "") or doc.doc_number or "地区不详"


def year_label(year: int | None) -> str:
    return f"{year}年" if year else "年份不详"


def select_plans(docs: list[Document], regions: list[str], year: int | None,
                 relative: bool = False) -> tuple[list[Document], list[str]]:
    """Plans to answer from, in region order, and notes about any fallback. A year the question
    names (2009年) that some region's documents cover decides: regions without it are left out;
    a relative one (今年) falls back to each region's latest plan."""
    by_region: dict[str, list[Document]] = {}
    for d in docs:
        if not regions or d.region_key in regions:
            by_region.setdefault(d.region_key or d.doc_id, []).append(d)

    def covers(d: Document) -> bool:
        return year is not None and (year == d.year or year in d.years)

    if year is not None and not relative and any(covers(d) for rdocs in by_region.values() for d in rdocs):
        by_region = {k: v for k, v in by_region.items() if any(covers(d) for d in v)}
    chosen, fallback = [], set()
    for _key, rdocs in sorted(by_region.items()):
        if any(covers(d) for d in rdocs):
            chosen.extend(d for d in rdocs if covers(d))
            continue
        pick = max((d.year for d in rdocs), key=lambda y: y or 0)
        if year is not None:
            fallback.add(pick)
        chosen.extend(d for d in rdocs if d.year == pick)
    notes = []
    if fallback:
        have = "、".join(year_label(y) for y in sorted(fallback, key=lambda y: y or 0))
        have = f"{have} " if len(fallback) <= 2 else ""
        notes.append(f"未收录{year}年的工作要点，以下依据各地最近的{have}工作要点回答。")
    return chosen, notes
