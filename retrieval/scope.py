"""Which circulars a question is about: per region, the plans of the asked year or else the most
recent ones — and a note saying so whenever the year asked is not there."""
from __future__ import annotations

import re

from .models import Document


UNKNOWN_PLACE = "地区不详"


def place_name(doc: Document) -> str:
    """How replies name a document's place: its region, else the organ that issued it; never its
    title or a 文号, which are no place."""
    return doc.region or doc.issuer or UNKNOWN_PLACE


def kind_name(docs) -> str:
    """What replies call the documents: their common kind (工作要点, 条例 …), else 文件."""
    kinds = {getattr(d, "kind", "") or "文件" for d in docs}
    return kinds.pop() if len(kinds) == 1 else "文件"


def year_label(year: int | None) -> str:
    return f"{year}年" if year else "年份不详"


def own_years(d: Document, of_year: bool = False) -> set[int]:
    """The years a document is of: the year it is about and the years it was dated, printed or
    published in (a notice of 2009 on 2008's evaluation is 2008's and 2009's); `of_year` (a
    question saying 2017年度): also every year it speaks for."""
    own = {y for y in (d.year, *(int(x[:4]) for x in (d.date, d.printed_date, d.published) if x)) if y}
    return own | set(d.years) if of_year else own


def select_plans(docs: list[Document], regions: list[str], year: int | None,
                 relative: bool = False, by_text: bool = False) -> tuple[list[Document], list[str]]:
    """Plans to answer from, in region order, and notes about any fallback. A year the question
    names (2009年) that some region's documents cover decides: regions without it are left out;
    a relative one (今年) falls back to each region's latest plan. `by_text`: a document whose
    text names the year covers it too (a question's scope; a plan's calendar takes only the
    years a document is for)."""
    # a region's documents of one kind form a series (its yearly 工作要点): a year not asked picks
    # the series' latest; documents of other kinds (a regulation, a ministry letter) stand apart
    by_region: dict[tuple[str, str], list[Document]] = {}
    for d in docs:
        if not regions or d.region_key in regions:
            by_region.setdefault((d.region_key or d.doc_id, d.kind), []).append(d)

    def covers(d: Document) -> bool:
        return year is not None and (year == d.year or year in d.years or (by_text and year in d.named_years))

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
    own = [d for d in chosen if year is not None and (year == d.year or year in d.years)]
    if year is not None and not relative and chosen and not own and not fallback:
        # no document is of that year; these only speak of it: said, and they answer
        notes.append(f"没有收录{year}年的文件，以下是正文提到{year}年的文件。")
    if fallback:
        have = "、".join(year_label(y) for y in sorted(fallback, key=lambda y: y or 0))
        if relative:
            # 今年 in a year no plan is of yet: the plans are old, said once, and they answer
            latest = f"是{have}的" if len(fallback) <= 2 else "都早于这一年"
            notes.append(f"还没有{year}年的文件：各地最近的文件{latest}，以下依据它们回答。")
        else:
            have = f"{have} " if len(fallback) <= 2 else ""
            notes.append(f"没有收录{year}年的文件，以下依据各地最近的{have}文件回答。")
    return chosen, notes


def says_of_year(query) -> bool:
    """Whether the question's year is a year of work (2017年度), which a later document may be
    about, rather than a document's own year (2024年…工作要点)."""
    year = query.asked.year
    return year is not None and re.search(rf"{year}\s*年度", query.norm) is not None


def other_year(query, named: list[Document]) -> list[str]:
    """The note for a document named by its title with a year none of its copies is of (甘肃省
    2024年全省教育督导工作要点 when the 2025 one is indexed): said, then the one indexed answers.
    A year its text speaks of covers it, except for a question about the document itself, whose
    year is the document's own."""
    year = query.asked.year
    if year is None or query.asked.year_is_relative or not named:
        return []
    if any(year in own_years(d, says_of_year(query))
           or not query.is_meta and (year in d.years or year in d.named_years) for d in named):
        return []
    have = "、".join(year_label(y) for y in sorted({d.year for d in named}, key=lambda y: y or 0))
    return [f"没有收录{year}年的这份文件，以下是已收录的{have}的。"]
