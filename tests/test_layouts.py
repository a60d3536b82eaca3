"""Layout fuzzing: the shipped circulars and corpus-wild laid out again (tests/layouts.py) must
parse to the same metadata, region, sections and schedule as the originals, and no title,
signature date or page date may become a schedule entry.

The CI profile runs a fixed set of 240 variants (derandomized, so a red run is reproducible);
`HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest tests/test_layouts.py` runs 3,000 new ones.
"""
from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, given, settings, strategies as st

from retrieval import meta
from retrieval.chunker import chunk_document
from retrieval.indexer import load_document
from retrieval.models import Document
from retrieval.pageclean import clean_page
from retrieval.schedule_reader import extract_schedule
from retrieval.textnorm import to_simplified
from tests.layouts import DATES, FORMATS, FURNITURE, SOURCES, TABLES, relayout, schedule_of, source, write_format

settings.register_profile("ci", max_examples=200, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FIELDS = ("title", "doc_number", "issuer", "date", "region")

layouts = st.fixed_dictionaries({
    "move_number": st.booleans(),
    "signature_to_info": st.booleans(),
    "furniture": st.lists(st.sampled_from(sorted(FURNITURE)), unique=True).map(tuple),
    "date_style": st.sampled_from(DATES),
    "table": st.sampled_from(("",) + TABLES),
    "traditional": st.booleans(),
    "markdown": st.booleans(),
    "rename_header": st.booleans(),
})


def _flat(x) -> str:
    return to_simplified(x or "").replace(" ", "")


def _parsed(text: str, name: str) -> Document:
    page = clean_page(text)
    return meta.extract(Document(doc_id=name, path=name, sha256="-", fmt="txt", text=page.text,
                                 dropped=page.dropped))


def _sections(doc: Document) -> list[str]:
    return [_flat(h) for h in dict.fromkeys(c.heading.split(" > ")[0] for c in chunk_document(doc)
                                              if c.kind in ("text", "row"))]


def _same_metadata(base: Document, doc: Document) -> None:
    for name in FIELDS:
        if getattr(base, name):
            assert _flat(getattr(doc, name)) == _flat(getattr(base, name)), name
    assert doc.region_path == base.region_path


def _no_header_entries(doc: Document) -> None:
    """No dated entry is read from the title, the signature date or the page's own dates (a
    single-month document's entries take their month from the title by design)."""
    header = [doc.spans[k] for k in ("title", "date", "published", "printed_date") if k in doc.spans]
    for e in extract_schedule(doc, chunk_document(doc)):
        if e.source == "document":
            continue
        for s, t in header:
            assert not (e.start < t and s < e.end), (e.when_text, e.activity)


@given(path=st.sampled_from(SOURCES), layout=layouts)
def test_a_document_laid_out_again_parses_the_same(path, layout):
    src = source(path)
    doc = _parsed(relayout(src, **layout), src.name)
    _same_metadata(src.doc, doc)
    assert _sections(doc) == [_flat(s) for s in src.sections]
    if not layout["traditional"]:   # an activity's wording is compared character for character
        assert schedule_of(doc) == schedule_of(src.doc)
    _no_header_entries(doc)


@settings(max_examples=40)
@given(path=st.sampled_from(SOURCES), layout=layouts, fmt=st.sampled_from(FORMATS[1:]))
def test_a_document_in_another_format_keeps_its_metadata(tmp_path_factory, path, layout, fmt):
    src = source(path)
    file = write_format(relayout(src, **layout), fmt, tmp_path_factory.mktemp("layout") / re.sub(r"\W", "_", path.stem))
    doc = load_document(file)
    _same_metadata(src.doc, doc)
    _no_header_entries(doc)


def test_the_variants_are_real_changes():
    """Each way of laying out changes the text (a generator that changes nothing tests nothing)."""
    src = source(next(p for p in SOURCES if "donghu" in p.name))
    base = relayout(src)
    for layout in ({"move_number": True}, {"signature_to_info": True}, {"furniture": ("greeting",)},
                   {"date_style": "chinese"}, {"table": "cells"}, {"table": "tab-wrapped"}, {"table": "cells-plain"},
                   {"table": "tab", "rename_header": True}, {"traditional": True}, {"markdown": True}):
        assert relayout(src, **layout) != base, layout
