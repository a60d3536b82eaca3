"""Questions in, cited answers out: filters, metadata answers, refusals, CLI and quality gate."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import DATA, ROOT
from retrieval.evaluate import evaluate, summary
from retrieval.render import to_json, to_text


def test_doc_number_question(engine):
    a = engine.ask("江阴的督导工作要点文号是什么")
    assert a.kind == "meta"
    assert "澄教督〔2021〕2号" in to_text(a)
    c = a.citations[0]
    assert c.region == "江阴市" and c.doc == "jiangyin-2021"
    assert "澄教督〔2021〕2号" in c.text


def test_traditional_question_finds_same_passage(engine):
    simp = engine.ask("江阴市要构建哪8项督导制度？")
    trad = engine.ask("江陰市要構建哪8項督導制度？")
    assert simp.citations and trad.citations
    assert (simp.citations[0].doc, simp.citations[0].start) == (trad.citations[0].doc, trad.citations[0].start)
    assert "8项制度" in simp.citations[0].text


def test_region_filter(engine):
    a = engine.ask("武胜四月做什么")
    assert a.citations and {c.region for c in a.citations} == {"武胜县"}


def test_alias_filter(engine):
    a = engine.ask("光谷今年有哪些专项督导")
    assert a.citations and {c.region for c in a.citations} == {"东湖高新区"}


def test_year_without_plan_answers_from_latest_and_says_so(engine):
    a = engine.ask("2023年大足有哪些专项督导")
    assert a.citations and a.citations[0].year == 2021
    assert a.answer.splitlines()[0].startswith("没有收录2023年")  # the first line, not a footnote


def test_irrelevant_question_is_not_answered_with_noise(engine):
    a = engine.ask("高考报名什么时候开始")
    assert a.kind == "none" and not a.citations
    assert "没有找到" in a.answer


@pytest.mark.parametrize("question", ["", "   ", "？？？！", "😀😀😀", "。" * 10, "督" * 2000])
def test_unreadable_questions_get_a_helpful_reply(engine, question):
    a = engine.ask(question)
    assert a.kind == "invalid" and a.answer and not a.citations


def test_reply_cites_title_number_heading(engine):
    a = engine.ask("东湖哪3所学校创建市级义务教育现代化学校")
    text = to_text(a)
    c = a.citations[0]
    assert c.doc_number == "武新管教督〔2021〕1号" and c.heading and c.title
    # the source line names the section by its numbers, down to the item's own heading
    from retrieval.render import _heading
    assert c.doc_number in text and _heading(c.heading) in text and c.heading.split(" > ")[-1] in text
    # the quoted text is in the source document
    doc = {d.doc_id: d for d in engine.documents()}[c.doc]
    assert c.text.replace("…", "")[:20] in "".join(doc.text[c.start:c.end].split())


def test_json_shape(engine):
    data = to_json(engine.ask("大足责任区督学按什么比例配备"))
    assert set(data) >= {"question", "answer", "citations"}
    assert set(data["citations"][0]) >= {"doc", "title", "doc_number", "region", "heading", "text",
                                         "start", "end"}


def test_question_set_quality(engine):
    cases = evaluate(engine, DATA / "questions.jsonl")
    s = summary(cases)
    assert s["total"] >= 60
    assert s["share"] >= 0.90, [c.question for c in cases if not c.passed]
    # the passages the search found fill a reply up to its budget, never past it
    assert all(c.length <= 800 for c in cases if c.kind != "month"), [c.question for c in cases if c.length > 800]
    for kind in ("month", "when"):
        ok, n = s["by_kind"][kind]
        assert n >= 15 and ok / n >= 0.95, kind
        assert max(c.length for c in cases if c.kind == kind) < 1500
    assert s["by_kind"]["month"][1] + s["by_kind"]["when"][1] >= 30


def _cli(args, engine, stdin=None):
    cmd = [sys.executable, str(ROOT / "bot.py"), *args, "--index", str(engine.config.index_dir),
           "--corpus", str(engine.config.corpus_dir)]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_cli_ask_json_and_batch(engine):
    out = _cli(["ask", "--json", "江阴的督导工作要点文号是什么"], engine)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert "澄教督〔2021〕2号" in data["answer"]
    batch = _cli(["ask"], engine, stdin="四月做什么\n\n东湖督学培训班什么时候办\n")
    lines = [json.loads(x) for x in batch.stdout.splitlines()]
    assert [x["question"] for x in lines] == ["四月做什么", "东湖督学培训班什么时候办"]
    assert "8月上旬" in lines[1]["answer"]


def test_cli_chat(engine):
    out = _cli(["chat"], engine, stdin="大足的工作要点是否公开\n退出\n")
    assert out.returncode == 0
    assert "此件不公开" in out.stdout


def test_cli_reports_engine_errors_in_chinese(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = subprocess.run([sys.executable, str(ROOT / "bot.py"), "reindex", "--corpus", str(empty),
                          "--index", str(tmp_path / "idx")], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert "没有可读取的文件" in out.stderr and "Traceback" not in out.stderr


def test_cli_messages_name_cli_commands_and_chat_replies_chat_commands(engine):
    from tgbot.format import answer_messages
    out = _cli(["ask", "高考报名什么时候开始"], engine)
    assert "bash run.sh docs" in out.stdout and "/docs" not in out.stdout
    assert "/docs" in "".join(answer_messages(engine.ask("高考报名什么时候开始")))
    gone = _cli(["remove", "没有这个文件"], engine)
    assert gone.returncode == 1 and "bash run.sh docs" in gone.stderr and "/docs" not in gone.stderr


@pytest.mark.parametrize("name,value,args", [
    ("DUDAO_TOP_K", "three", ["ask", "四月做什么"]),
    ("DUDAO_RATE_SECONDS", "-1", ["ask", "四月做什么"]),
    ("ADMIN_IDS", "12345,@someone", []),           # the bot itself
])
def test_a_bad_setting_is_named_with_its_value(tmp_path, name, value, args):
    env = dict(os.environ, **{name: value}, TELEGRAM_BOT_TOKEN="123:abc", DUDAO_INDEX_DIR=str(tmp_path / "i"))
    out = subprocess.run([sys.executable, str(ROOT / "bot.py"), *args], capture_output=True, text=True,
                         timeout=120, env=env)
    assert out.returncode == 1
    assert name in out.stderr and value in out.stderr and "Traceback" not in out.stderr


def test_help_names_the_bot_and_its_webhook_mode():
    out = subprocess.run([sys.executable, str(ROOT / "bot.py"), "--help"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and "--webhook" in out.stdout and "reindex" in out.stdout


def test_cli_docs_lists_every_circular_as_the_chat_does(engine):
    out = _cli(["docs"], engine)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("已收录 4 份工作要点")
    for number in ("武府教督办〔2021〕1号", "大足教发〔2021〕20号", "武新管教督〔2021〕1号", "澄教督〔2021〕2号"):
        assert number in out.stdout
    assert out.stdout.count("文件编号：") == 4
