"""Answer → plain text (terminal) and JSON: where a reply's look is decided for the terminal; the
Telegram HTML look is tgbot/format.py, from the same sections."""
from __future__ import annotations

import re
from dataclasses import asdict

from .models import Answer, Citation, Line, Section


# Display caps: a title or heading path read from a hostile file can be any length, and a source
# line must stay a line (a real circular's title is under 100 characters, a heading path under 150).
TITLE_SHOWN = 120
HEADING_SHOWN = 160
NAME_SHOWN = 80     # file names, 文号, issuers, regions


def clip(text: str, limit: int) -> str:
    """text, cut to at most limit characters with an ellipsis when longer."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


SOURCE_TITLE = 28     # a source line names the document by its 文号, else by its title cut to this
SOURCE_HEADING = 48   # … and the section by its heading path cut to this: one line on a phone


def source_line(c: Citation) -> str:
    """Where a passage comes from, in one phone line: region·year, 文号 (else the title), section."""
    parts = [p for p in (clip(c.region, NAME_SHOWN), f"{c.year}年" if c.year else "") if p]
    head = "·".join(parts)
    name = clip(c.doc_number, NAME_SHOWN) if c.doc_number else (f"《{clip(c.title, SOURCE_TITLE)}》" if c.title else "")
    return f"{head} {name} › {clip(_heading(c.heading), SOURCE_HEADING)}{page_label(c.page)}".strip()


def _heading(path: str) -> str:
    """A heading path as a source line shows it: each level by its number when it has one
    (“二、… > （三）…” → “二、（三）…”), the last level whole."""
    parts = path.split(" > ")
    short = []
    for part in parts[:-1]:
        m = re.match(r"^(第[一二三四五六七八九十百零〇\d]+[章节条]|[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|\d{1,2}[.．])", part)
        short.append(m.group(1) if m else part)
    return "".join(short) + (" " if short and not re.search(r"[、）)．.章节条]$", short[-1]) else "") + parts[-1]


def page_label(page: int | None) -> str:
    """“（第2页）” after a heading path when the source is a PDF."""
    return f"（第{page}页）" if page else ""


def short_source(doc_number: str, title: str, heading: str, page: int | None = None) -> str:
    """The compact source line under a group of schedule entries: 文号 › heading path (page)."""
    source = clip(doc_number, NAME_SHOWN) or f"《{clip(title, SOURCE_TITLE)}》"
    where = f" › {clip(_heading(heading), SOURCE_HEADING)}" if heading else ""
    return f"   —— {source}{where}{page_label(page)}"


def passages(citations: list[Citation], place: str = "") -> Section:
    """Quoted passages as one section: each numbered, its source under it."""
    lines = []
    for c in citations:
        lines += [Line(c.text, c, "passage"), Line("", c, "source")]
    return Section(place=place, lines=lines)


def sections(answer: Answer) -> list[Section]:
    """The sections a reply shows: its own, else its citations (as metadata fields for a meta
    answer, one section each; as numbered passages otherwise)."""
    if answer.sections:
        return answer.sections
    if answer.kind == "meta":
        return [Section(lines=[Line(c.text, c, "field")]) for c in answer.citations]
    return [passages(answer.citations)] if answer.citations else []


def source_text(line: Line) -> str:
    """A source line: the full one (region·year 《title》文号 › section), or 文号 › section."""
    c = line.citation
    if line.short:
        return short_source(c.doc_number, c.title, c.heading, c.page)
    return f"   —— {source_line(c)}"


def title_text(section: Section) -> str:
    return f"【{section.place}】{section.title}" if section.place else section.title


def line_texts(section: Section) -> list[list[tuple[str, Line | None]]]:
    """A section as (text, line) pairs (the title's line is None), in runs: one per quoted passage
    with its source, else the whole section; a message may be cut between runs."""
    title = [(title_text(section), None)] if section.place or section.title else []
    runs: list[list[tuple[str, Line | None]]] = [title]
    number = 0
    for line in section.lines:
        if line.role == "passage":
            number += 1
            if number > 1:
                runs.append([])
            text = f"{number}. {line.text}"
        elif line.role == "source":
            text = source_text(line)
        elif line.role == "field":
            text = f"—— {source_line(line.citation)}：{line.text}"
        elif line.role == "quote":
            text = f"  {line.text}"
        elif line.role == "more":
            text = "· ……"
        else:
            text = f"· {line.text}"
        runs[-1].append((text, line))
    return [r for r in runs if r]


# what a hint (Answer.hint, EngineError.hint) says on the command line
CLI_HINTS = {"docs": "（bash run.sh docs 列出已收录的文件及其编号）",
             "replace": "如要用新文件替换它，加 --replace 再运行一次。"}


def to_text(answer: Answer, hints: dict[str, str] = CLI_HINTS) -> str:
    """Human-readable reply; `hints` name the commands a hint refers to."""
    body = [text for s in sections(answer) for run in line_texts(s) for text, _ in run]
    first, _, rest = answer.answer.partition("\n")
    return "\n".join(p for p in [first + hints.get(answer.hint, ""), rest, *body, *(f"注：{n}" for n in answer.notes)] if p)


def to_json(answer: Answer) -> dict:
    """The `ask --json` object."""
    out = {
        "question": answer.question,
        "answer": to_text(answer),
        "kind": answer.kind,
        "citations": [asdict(c) for c in answer.citations],
    }
    if answer.months or answer.schedule:
        out["months"] = answer.months
        out["schedule"] = answer.schedule
    return out


def explain_text(answer: Answer) -> str:
    """`ask --explain`: the evidence the reply was made from (intent, scope, passages, decision)."""
    ev = answer.evidence
    if ev is None:
        return "（这个回答没有检索证据：问题本身无效或是追问）"
    out = [f"意图：{ev.intent}（把握 {ev.confidence:.2f}）",
           f"范围：{len(ev.scope)} 份文件 — {ev.scope_reason or '—'}"]
    if ev.special:
        out.append(f"专门回答：{ev.special}")
    out.append(f"决定：{ev.decision}" + (f" — {ev.reason}" if ev.reason else ""))
    if ev.verdict is not None:
        feats = "，".join(f"{k} {v:.3f}" for k, v in ev.verdict.features.items())
        out.append(f"拒答判断：{'拒答' if ev.verdict.decline else '不拒答'}（{feats}）"
                   + (f" — {ev.verdict.reason}" if ev.verdict.reason else ""))
    out.append("最佳段落（融合分 / BM25 / 向量相似度 / 覆盖率）：")
    for h in ev.hits:
        c = h.chunk
        out.append(f"  {h.score:.4f} / {h.bm25:.2f} / {h.dense:.3f} / {h.coverage:.2f}  "
                   f"{c.doc_id} › {clip(c.heading, 40)}：{clip(c.text, 50)}")
    return "\n".join(out)
