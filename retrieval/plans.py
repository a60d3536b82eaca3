"""Which circulars a question is about: per region, the plans of the asked year or else the most
recent ones — and a note saying so whenever the year asked is not there."""
from __future__ import annotations

from .models import Document


def year_label(year: int | None) -> str:
    return f"{year}年" if year else "年份不详"


def select_plans(docs: list[Document], regions: list[str], year: int | None) -> tuple[list[Document], list[str]]:
    """Plans to answer from, in region order, and notes about any fallback."""
    by_region: dict[str, list[Document]] = {}
    for d in docs:
        if not regions or d.region in regions:
            by_region.setdefault(d.region or d.doc_id, []).append(d)
    chosen, fallback = [], set()
    for _key, rdocs in sorted(by_region.items()):
        years = {d.year for d in rdocs}
        if year is not None and year in years:
            pick = year
        else:
            pick = max(years, key=lambda y: y or 0)
            if year is not None:
                fallback.add(pick)
        chosen.extend(d for d in rdocs if d.year == pick)
    notes = []
    if fallback:
        have = "、".join(year_label(y) for y in sorted(fallback, key=lambda y: y or 0))
        notes.append(f"未收录{year}年的工作要点，以下依据各地最近的 {have} 工作要点回答。")
    return chosen, notes
