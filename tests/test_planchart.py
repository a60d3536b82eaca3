"""The year plan as a picture: rows, bars and blocks, no missing glyph, readable width."""
from __future__ import annotations

import struct

from retrieval.planchart import render


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_a_month_table_plan_and_a_plan_of_dated_ranges_are_drawn(engine):
    docs = engine.state.built.documents
    for where, rows in (("武胜", 10), ("东湖", 12)):
        entries, notes = engine.plan_entries(where)
        chart = render(entries, docs)
        assert chart.rows == rows and chart.documents == 1 and not notes
        assert chart.missing_glyphs == []
        width, height = png_size(chart.png)
        assert width >= 1080 and (width, height) == (chart.width, chart.height)


def test_every_region_in_one_picture_and_nothing_dated_gives_none(engine):
    entries, _ = engine.plan_entries("")
    chart = render(entries, engine.state.built.documents)
    assert chart.documents == 4 and chart.rows == len(entries)
    assert render([], engine.state.built.documents) is None


def test_cli_writes_the_picture(engine, tmp_path):
    from tests.test_engine import _cli
    target = tmp_path / "plan.png"
    out = _cli(["calendar", "--png", str(target), "--region", "武胜"], engine)
    assert out.returncode == 0, out.stderr
    assert "10 项工作安排（1 份文件）" in out.stdout and png_size(target.read_bytes())[0] >= 1080
