"""Two regions (or documents) on the same item: each one's answer side by side, so the reader
compares the sources themselves (武胜和大足的春秋季开学检查怎么搞 → 武胜's row, 大足's item)."""
from __future__ import annotations

from dataclasses import replace

from .answer import answer_passages, relevant
from .models import Answer, Document, Hit, Section
from .scope import place_name
from .query import Query
from .render import passages
from .time_answers import answer_when

PER_SIDE = 1   # passages quoted for each side (two sides stay within the reply budget)


def answer_compare(query: Query, plans: list[Document], notes: list[str], hits: list[Hit], state,
                   top_k: int) -> Answer | None:
    """Per region the question names: its dated entries for a when-question, else its best
    passages; None when fewer than two sides have anything to say."""
    sides: dict[str, list[Document]] = {}
    for d in plans:
        sides.setdefault(d.region_key or d.doc_id, []).append(d)
    if len(sides) < 2:
        return None
    parts, cites, months, schedule, side_months = [], [], set(), [], []
    for key, docs in sorted(sides.items()):
        sub = replace(query, regions=[key])
        side_hits = state.searcher.search(sub, {d.doc_id for d in docs}, k=top_k * 8)
        if not relevant(side_hits):
            parts.append(Section(place_name(docs[0]), "没有找到相关内容。"))
            continue
        ans = None
        if "when" in query.forms or "时间" in query.norm:
            ans = answer_when(sub, side_hits, state.built.documents, state.schedule, [])
            if ans is not None and ans.unanswered:
                ans = None
        if ans is None or not ans.citations:
            ans = answer_passages(sub, side_hits, state.built.documents, PER_SIDE, [])
            parts.append(passages(ans.citations, place_name(docs[0])))
        else:
            parts.extend(ans.sections)
        side_months.append(sorted(ans.months))
        cites.extend(ans.citations)
        months.update(ans.months)
        schedule.extend(ans.schedule)
    if not cites:
        return None
    head = "各地的原文如下，供对照："
    if "yesno" in query.forms and len(side_months) == len(sides) and all(side_months):
        # "培训时间一样吗": the months each side's dated entries give decide it
        same = len({tuple(m) for m in side_months}) == 1
        head = ("是，时间相同。" if same else "不是，时间不同。") + head
    return Answer(question=query.question, kind="compare", answer=head,
                  citations=cites, notes=notes, months=sorted(months), schedule=schedule,
                  sections=parts)
