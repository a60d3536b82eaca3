"""Hostile input, issue 10: nobody can stall the bot, leak the token or break a reindex.

Each test asserts what a user (or admin) sees; timings are ratios to a normal case, not
absolute thresholds, so a busy machine does not fail them."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from makefiles import SAMPLE_LINES
from retrieval.chunker import chunk_document
from retrieval.indexer import load_document
from retrieval.render import to_text


def median_seconds(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cli(*args, input=None, env=None, timeout=180):
    return subprocess.run([sys.executable, str(ROOT / "bot.py"), *args], capture_output=True,
                          input=input, timeout=timeout, env=env or os.environ.copy())


# -- 1. linear normalization -------------------------------------------------------------------
def test_spaces_question_answered_as_fast_as_a_normal_one(engine):
    normal = median_seconds(lambda: engine.ask("幼儿园办园行为督导评估在几月"))
    hostile = "a" + " " * 30000 + "a"
    slow = median_seconds(lambda: engine.ask(hostile))
    assert "问题太长" in engine.ask(hostile).answer
    print(f"\n30,000-space question: {slow * 1000:.2f} ms = {slow / normal:.2f}× a normal question")
    assert slow < 3 * normal, (slow, normal)


def test_long_line_of_spaces_in_a_txt_parsed_fast(tmp_path):
    def parse(name, filler):
        path = tmp_path / name
        path.write_text("\n".join(SAMPLE_LINES) + "\n3.开展督导 " + filler * 16000 + "检查。\n",
                        encoding="utf-8")
        return lambda: chunk_document(load_document(path))
    normal = median_seconds(parse("normal.txt", "督导"), runs=3)   # the same length in words
    slow = median_seconds(parse("spaces.txt", " \u00a0"), runs=3)
    print(f"\n32,000 spaces on one .txt line: parsed in {slow * 1000:.0f} ms = "
          f"{slow / normal:.1f}× a file with a line of 32,000 characters")
    assert slow < 10 * normal, (slow, normal)
    chunks = chunk_document(load_document(tmp_path / "spaces.txt"))
    assert any(c.text == "3.开展督导检查。" for c in chunks)


def test_clean_keeps_the_old_rules_for_spaces_near_cjk():
    """The linear normalizer removes exactly what the lookaround regex removed."""
    import random
    import re

    from retrieval import textnorm
    old = re.compile(rf"(?<=[{textnorm._CJK}]){textnorm._SPACE}+|{textnorm._SPACE}+(?=[{textnorm._CJK}])")
    rng = random.Random(10)
    for _ in range(20000):
        s = "".join(rng.choice([" ", "\u00a0", "\u3000", "a", "中", "b"]) for _ in range(rng.randint(0, 10)))
        expected = textnorm._MULTISPACE.sub(" ", old.sub("", s)).strip()
        assert textnorm.clean(s) == expected, repr(s)
    assert textnorm.clean("2021 年 4 月") == "2021年4月"


# -- 11. unicode ---------------------------------------------------------------------------------
def test_invalid_utf8_in_argv_is_answered(engine):
    cfg = engine.config
    out = cli("ask", b"\xff\xfe" + "四月做什么".encode(), "--corpus", str(cfg.corpus_dir),
              "--index", str(cfg.index_dir))
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    assert b"Traceback" not in out.stderr and out.stdout.decode("utf-8")


def test_batch_ask_answers_every_line(engine):
    cfg = engine.config
    lines = ["江阴的督导工作要点文号是什么".encode(), b"\xed\xb2\x80\xff\xfe bad", "\ud800四月".encode("utf-8", "surrogatepass"),
             "东湖督学培训班什么时候办".encode()]
    out = cli("ask", "--corpus", str(cfg.corpus_dir), "--index", str(cfg.index_dir),
              input=b"\n".join(lines) + b"\n")
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    rows = [json.loads(line) for line in out.stdout.decode("utf-8").splitlines()]
    assert len(rows) == 4
    assert "澄教督〔2021〕2号" in rows[0]["answer"] and "8月" in rows[3]["answer"]


def test_batch_ask_goes_on_after_a_failing_line(engine, monkeypatch, capsys):
    import io

    from retrieval import cli as cli_mod
    real_ask = engine.ask

    def ask(question, top_k=None):
        if question == "boom":
            raise RuntimeError("injected failure")
        return real_ask(question, top_k)
    monkeypatch.setattr(engine, "ask", ask)
    monkeypatch.setattr(cli_mod, "open_engine", lambda args: engine)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("四月做什么\nboom\n江阴的文号是什么\n".encode())))
    assert cli_mod.main(["ask"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 3
    assert rows[1]["question"] == "boom" and "出错" in rows[1]["error"]
    assert "澄教督〔2021〕2号" in rows[2]["answer"]


def test_lone_surrogate_question_in_process(engine):
    answer = engine.ask("\udc80江阴的督导工作要点文号是什么")
    assert "澄教督〔2021〕2号" in to_text(answer)
