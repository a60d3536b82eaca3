"""The real bot process (python bot.py) against a Bot API stand-in on 127.0.0.1."""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.botapi_stub import BOT_USERNAME, BotAPIStub, button, start_bot, stop_bot
from tests.conftest import ROOT
from tests.makefiles import write_docx

TOKEN = "123456789:TEST-secret-token-abc"
ADMIN = 42
LONG_ROWS = 70


def long_plan(path: Path) -> Path:
    """A plan whose April list is longer than one Telegram message, with HTML-looking text."""
    rows = "\n".join(f"{i}\t第{i}项：开展“<b>加粗</b> & 符号”专项检查，核对学校台账、资料和整改情况，形成书面报告\t4月"
                     for i in range(1, LONG_ROWS + 1))
    path.write_text("测试县教育督导室文件\n测教督〔2021〕9号\n测试县教育督导室关于印发2021年教育督导工作要点的通知\n"
                    "测试县教育督导室\n2021年3月1日\n2021年教育督导工作要点\n一、月度安排\n序号\t事项\t时间\n"
                    + rows + "\n", encoding="utf-8")
    return path


class TagChecker(HTMLParser):
    """Telegram accepts only a few tags, balanced; anything else means text was not escaped."""
    ALLOWED = {"b", "i"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.bad = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.ALLOWED:
            self.bad.append(tag)
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.bad.append("/" + tag)


def valid_html(text: str) -> bool:
    p = TagChecker()
    p.feed(text)
    p.close()
    return not p.bad and not p.stack


@pytest.fixture(scope="module")
def botenv(tmp_path_factory, engine):
    base = tmp_path_factory.mktemp("bot")
    corpus = base / "corpus"
    shutil.copytree(engine.config.corpus_dir, corpus)
    long_plan(corpus / "testcounty-2021.txt")
    index = base / "index"  # empty: the bot builds it on first start
    stub = BotAPIStub(TOKEN).start()
    proc, fh = start_bot(stub, corpus, index, base / "bot.log", TOKEN, f"{ADMIN},7")
    try:
        yield {"stub": stub, "proc": proc, "corpus": corpus, "log": base / "bot.log", "base": base}
    finally:
        stop_bot(proc, fh, stub)


_chat = iter(range(1000, 100000))


def ask(stub, text, user=None, n=1, timeout=30):
    """Send a message from a fresh user; return the bot's messages to that chat once n arrived."""
    user = user or next(_chat)
    stub.message(text, user_id=user)
    stub.wait_for(lambda sent: len([m for m in sent if m["chat_id"] == user]) >= n, timeout)
    return stub.to_chat(user)


def test_commands_registered_and_typing_shown(botenv):
    stub = botenv["stub"]
    ask(stub, "大足责任区督学按什么比例配备")
    methods = stub.methods()
    assert "setMyCommands" in methods and "sendChatAction" in methods


def test_help_lists_examples_and_what_it_knows(botenv):
    [reply] = ask(botenv["stub"], "/help")
    assert "幼儿园办园行为督导评估在几月" in reply["text"] and "江阴市2021年" in reply["text"]
    assert "/reindex" not in reply["text"]  # admin commands only shown to admins
    [admin] = ask(botenv["stub"], "/start", user=7)
    assert "/reindex" in admin["text"]


def test_question_gets_cited_answer(botenv):
    [reply] = ask(botenv["stub"], "江阴的督导工作要点文号是什么")
    assert "澄教督〔2021〕2号" in reply["text"] and reply["parse_mode"] == "HTML"
    assert "江阴市" in reply["text"]


def test_month_command_lists_april(botenv):
    msgs = ask(botenv["stub"], "/month 4")
    text = "\n".join(m["text"] for m in msgs)
    assert "对幼儿园办园行为开展督导评估" in text and "40所幼儿园办园行为督导评估" in text


def test_long_answer_split_and_escaped(botenv):
    stub = botenv["stub"]
    user = next(_chat)
    stub.message("测试县四月做什么", user_id=user)
    stub.wait_for(lambda s: any("第70项" in m["text"] for m in s if m["chat_id"] == user))
    msgs = stub.to_chat(user)
    assert len(msgs) >= 2
    assert all(len(m["text"]) < 4096 for m in msgs)
    assert all(valid_html(m["text"]) for m in msgs)
    joined = "".join(m["text"] for m in msgs)
    assert "&lt;b&gt;加粗&lt;/b&gt; &amp;符号" in joined
    assert joined.count("专项检查") == LONG_ROWS  # nothing lost at the split


def test_html_in_question_is_harmless(botenv):
    msgs = ask(botenv["stub"], "<b>四月</b> & 做什么")
    assert all(valid_html(m["text"]) for m in msgs)


@pytest.mark.parametrize("text", ["😀😀😀", "？？？", "督" * 2000])
def test_unreadable_text_gets_helpful_reply(botenv, text):
    [reply] = ask(botenv["stub"], text)
    assert "例如" in reply["text"]


def test_sticker_and_photo_get_helpful_reply(botenv):
    stub = botenv["stub"]
    for send in (stub.sticker, stub.photo):
        user = next(_chat)
        send(user_id=user)
        stub.wait_for(lambda s: any(m["chat_id"] == user for m in s))
        assert "文字" in stub.to_chat(user)[0]["text"]


def test_group_only_mentions_and_replies(botenv):
    stub = botenv["stub"]
    group = -100500
    stub.message("四月做什么", user_id=5, chat_id=group, chat_type="supergroup")
    stub.message(f"@{BOT_USERNAME} 江阴的文号是什么", user_id=5, chat_id=group, chat_type="supergroup")
    stub.wait_for(lambda s: any(m["chat_id"] == group for m in s))
    stub.message("大足的文件公开吗", user_id=6, chat_id=group, chat_type="supergroup", reply_to_bot=True)
    stub.wait_for(lambda s: len([m for m in s if m["chat_id"] == group]) >= 2)
    time.sleep(1.0)
    texts = [m["text"] for m in stub.to_chat(group)]
    assert len(texts) == 2
    assert "澄教督〔2021〕2号" in texts[0] or "澄教督〔2021〕2号" in texts[1]
    assert any("此件不公开" in t for t in texts)


def test_more_button_shows_more_passages(botenv):
    stub = botenv["stub"]
    user = next(_chat)
    stub.message("今年有哪些专项督导", user_id=user)
    stub.wait_for(lambda s: any(m["chat_id"] == user and m["reply_markup"] for m in s))
    first = [m for m in stub.to_chat(user) if m["reply_markup"]][-1]
    data = button(first, "more:")
    stub.callback(data, {"message_id": first["message_id"], "date": int(time.time()),
                         "chat": {"id": user, "type": "private"}, "text": "…"}, user_id=user)
    stub.wait_for(lambda s: any(m["chat_id"] == user and "更多相关原文" in m["text"] for m in s))
    more = [m for m in stub.to_chat(user) if "更多相关原文" in m["text"]][-1]

    def passages(text):
        return {line.strip() for line in text.splitlines() if "›" not in line and len(line.strip()) > 20}
    assert "›" in more["text"]                       # each further passage with its source
    assert passages(more["text"]) and not passages(more["text"]) & passages(first["text"])


def test_follow_ups_keep_to_their_chat_and_replies_continue_their_answer(botenv):
    stub = botenv["stub"]
    a, b = next(_chat), next(_chat)

    def say(user, text, reply_to=None, replied_at=None):
        before = len(stub.to_chat(user))
        stub.message(text, user_id=user, reply_to=reply_to, replied_at=replied_at)
        stub.wait_for(lambda sent: len([m for m in sent if m["chat_id"] == user]) > before, 60)
        return stub.to_chat(user)[-1]

    first = say(a, "武胜四月做什么")
    say(b, "东湖四月做什么")
    assert "开展县人民政府履行教育职责自查自评工作" in say(a, "那五月呢")["text"]   # 武胜's May
    may_b = say(b, "那五月呢")["text"]
    assert "东湖高新区" in may_b and "武胜" not in may_b                            # no crosstalk
    assert "3月、9月" in say(b, "双减专项督导几月搞")["text"]
    assert "减轻学生作业负担和校外培训负担" in say(b, "那武胜呢")["text"]
    say(a, "江阴的文号是什么")                                                      # context moves on
    sept = say(a, "九月呢", reply_to=first["message_id"])["text"]                  # …but a reply goes back
    assert "开展秋季开学工作调研" in sept and "澄教督" not in sept
    # a reply to an answer of three days ago starts afresh: that answer's 武胜 no longer scopes it
    say(a, "江阴的文号是什么")
    old = say(a, "九月呢", reply_to=first["message_id"], replied_at=time.time() - 3 * 86400)["text"]
    assert "开展秋季开学工作调研" not in old


def test_non_admin_upload_refused_corpus_unchanged(botenv, tmp_path):
    stub, corpus = botenv["stub"], botenv["corpus"]
    before = sorted(p.name for p in corpus.rglob("*"))
    user = next(_chat)
    stub.document(write_docx(tmp_path / "x.docx"), "x.docx", user_id=user)
    stub.wait_for(lambda s: any(m["chat_id"] == user for m in s))
    assert "只有管理员" in stub.to_chat(user)[0]["text"]
    assert sorted(p.name for p in corpus.rglob("*")) == before
    for cmd in ("/reindex", "/remove dazu-2021", "/stats"):
        [reply] = ask(stub, cmd)
        assert "只有管理员" in reply["text"]


def test_upload_too_large_refused_before_download(botenv, tmp_path):
    stub = botenv["stub"]
    stub.document(write_docx(tmp_path / "big.docx"), "big.docx", user_id=ADMIN,
                  declared_size=25 * 1024 * 1024)
    stub.wait_for(lambda s: any(m["chat_id"] == ADMIN and "过大" in m["text"] for m in s))
    assert not [c for c in stub.calls if c[0] == "getFile" and c[1].get("file_id") == "big"]


def test_admin_upload_then_question_finds_it(botenv, tmp_path):
    stub, corpus = botenv["stub"], botenv["corpus"]
    path = write_docx(tmp_path / "../../etc/evil name;rm -rf.docx".replace("/", "_"),
                      table=[["时间", "工作内容"], ["3月", "开展春季开学检查。"]])
    before, since = set(corpus.iterdir()), time.monotonic()
    stub.document(path, "../../etc/evil name;rm -rf.docx", user_id=ADMIN)
    stub.wait_for(lambda s: any(m["chat_id"] == ADMIN and m["t"] > since and "已添加" in m["text"] for m in s),
                  timeout=90)
    done = [m for m in stub.to_chat(ADMIN) if m["t"] > since and "已添加" in m["text"]][-1]["text"]
    assert "测教督〔2022〕3号" in done and "段落" in done and "日程：1 条" in done
    added = [p for p in set(corpus.iterdir()) - before if p.name.startswith("upload-")]
    assert len(added) == 1 and added[0].suffix == ".docx" and "evil" not in added[0].name
    [reply] = ask(stub, "测试县食堂食品安全专项督导")
    assert "落实校园食堂食品安全专项督导" in reply["text"]
    # the same file again is a duplicate
    stub.document(path, "again.docx", user_id=ADMIN)
    stub.wait_for(lambda s: any(m["chat_id"] == ADMIN and m["t"] > since and "完全相同" in m["text"] for m in s),
                  timeout=60)


def test_new_version_replaces_only_when_the_admin_confirms(botenv, tmp_path):
    from tests.makefiles import SAMPLE_LINES
    stub, corpus = botenv["stub"], botenv["corpus"]
    # its own 文号 and title: another test's upload of the sample is not a version of this one
    lines = [ln.replace("测教督〔2022〕3号", "版测督〔2023〕9号").replace("关于印发2022年", "关于印发2023年")
             for ln in SAMPLE_LINES]
    first = write_docx(tmp_path / "v1.docx", lines)
    second = write_docx(tmp_path / "v2.docx", lines + ["3.新增：开展课后服务专项督导。"])
    stub.document(first, "v1.docx", user_id=ADMIN)
    stub.wait_for(lambda s: any(m["chat_id"] == ADMIN and "已添加 v1.docx" in m["text"] for m in s), timeout=90)
    before = sorted(p.name for p in corpus.iterdir())

    def offer():
        stub.document(second, "v2.docx", user_id=ADMIN)
        msgs = stub.wait_for(lambda s: any(m["chat_id"] == ADMIN and m["reply_markup"] and "替换" in m["text"]
                                           and m not in offered for m in s), timeout=60)
        m = [m for m in msgs if m["chat_id"] == ADMIN and m["reply_markup"] and "替换" in m["text"]][-1]
        offered.append(m)
        return m

    offered: list = []
    m = offer()
    assert any("版测督〔2023〕9号" in x["text"] and "同一份文件" in x["text"] for x in stub.to_chat(ADMIN))
    keep = m["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
    # 不替换 then 替换 in one batch of updates (handled concurrently): the first press decides,
    # the second is told it no longer applies
    where = {"message_id": m["message_id"], "date": int(time.time()),
             "chat": {"id": ADMIN, "type": "private"}, "text": m["text"]}
    presses = stub.push_all([stub.callback_update(keep, where, ADMIN),
                             stub.callback_update(m["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
                                                  where, ADMIN)])
    stub.wait_for(lambda s: any(x["chat_id"] == ADMIN and "已保留原文件" in x["text"] for x in s), timeout=30)
    time.sleep(2)
    assert any(set(presses) <= set(b) for b in stub.batches), stub.batches   # the race was run
    assert not any("替换已收录的文件" in x["text"] or "已替换为" in x["text"] for x in stub.to_chat(ADMIN))
    assert sorted(p.name for p in corpus.iterdir()) == before   # nothing added, nothing pending

    m = offer()
    replace = m["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    stub.callback(replace, {"message_id": m["message_id"], "date": int(time.time()),
                            "chat": {"id": ADMIN, "type": "private"}, "text": m["text"]}, user_id=ADMIN)
    stub.wait_for(lambda s: any(x["chat_id"] == ADMIN and "已替换为 v2.docx" in x["text"] for x in s), timeout=90)
    [reply] = ask(stub, "测试县课后服务专项督导")
    assert "开展课后服务专项督导" in reply["text"]
    assert len([p for p in corpus.iterdir() if p.name.startswith("upload-")]) == len(
        [p for p in before if p.startswith("upload-")])   # the old version moved to .removed/


def test_unparseable_upload_not_added(botenv, tmp_path):
    stub, corpus = botenv["stub"], botenv["corpus"]
    before = sorted(p.name for p in corpus.iterdir())
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4\n%%EOF garbage")
    stub.document(bad, "scan.pdf", user_id=ADMIN)
    stub.wait_for(lambda s: any(m["chat_id"] == ADMIN and "未添加 scan.pdf" in m["text"] for m in s), timeout=60)
    assert sorted(p.name for p in corpus.iterdir()) == before


def test_question_during_reindex_is_answered(botenv):
    stub = botenv["stub"]
    stub.message("/reindex", user_id=ADMIN)
    user = next(_chat)
    stub.message("东湖督学培训班什么时候办", user_id=user)
    stub.wait_for(lambda s: any(m["chat_id"] == user for m in s))
    stub.wait_for(lambda s: any(m["chat_id"] == ADMIN and "索引已重建" in m["text"] for m in s), timeout=90)
    assert "8月上旬" in stub.to_chat(user)[0]["text"]


def test_stats_and_remove(botenv):
    stub, corpus = botenv["stub"], botenv["corpus"]
    stub.message("/stats", user_id=ADMIN)
    stub.wait_for(lambda s: any(m["chat_id"] == ADMIN and "自启动以来回答问题" in m["text"] for m in s))
    stub.message("/remove testcounty-2021", user_id=ADMIN)
    stub.wait_for(lambda s: any(m["chat_id"] == ADMIN and "已移除" in m["text"] for m in s), timeout=90)
    assert not (corpus / "testcounty-2021.txt").exists()
    assert (corpus / ".removed" / "testcounty-2021.txt").exists()
    [reply] = ask(stub, "/docs")
    assert "测教督〔2021〕9号" not in reply["text"] and "澄教督〔2021〕2号" in reply["text"]
    # put the file back, so that no other test depends on running before this one
    (corpus / ".removed" / "testcounty-2021.txt").rename(corpus / "testcounty-2021.txt")
    done_before = len(stub.sent)
    stub.message("/reindex", user_id=ADMIN)
    stub.wait_for(lambda s: any(m["chat_id"] == ADMIN and "索引已重建" in m["text"] for m in s[done_before:]),
                  timeout=90)
    [reply] = ask(stub, "/docs")
    assert "测教督〔2021〕9号" in reply["text"]


def test_429_is_survived(botenv):
    stub = botenv["stub"]
    stub.fail_next_sends = 1
    [reply] = ask(stub, "大足的工作要点是否公开", timeout=40)
    assert "此件不公开" in reply["text"]
    assert botenv["proc"].poll() is None


def test_concurrent_users_none_lost(botenv):
    """20 users, 100 questions at once: every one answered (figures printed for the record)."""
    stub = botenv["stub"]
    questions = ["武胜四月做什么", "幼儿园办园行为督导评估在几月", "江阴的督导工作要点文号是什么",
                 "今年有哪些专项督导", "东湖督学培训班什么时候办"]
    users = [next(_chat) for _ in range(20)]
    sent_at = {}
    for i in range(100):
        user = users[i % 20]
        sent_at.setdefault(user, []).append(time.monotonic())
        stub.message(questions[i % len(questions)], user_id=user)
    stub.wait_for(lambda s: all(sum(1 for m in s if m["chat_id"] == u) >= 5 for u in users), timeout=120)
    time.sleep(0.5)  # anything extra would show up now
    lat = []
    for user, times in sent_at.items():
        replies = sorted(m["t"] for m in stub.to_chat(user))
        assert len(replies) == len(times)
        lat.extend(r - t for r, t in zip(replies, times))
    lat.sort()
    print(f"\n100 questions / 20 users: median {statistics.median(lat) * 1000:.0f} ms, "
          f"p95 {lat[94] * 1000:.0f} ms, answered {len(lat)}/100")


def test_token_never_logged(botenv):
    assert TOKEN not in botenv["log"].read_text()
    assert TOKEN.split(":")[1] not in botenv["log"].read_text()


def test_without_token_explains_and_points_to_chat(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    out = subprocess.run([sys.executable, str(ROOT / "bot.py")], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "BotFather" in out.stderr and "python bot.py chat" in out.stderr


def test_webhook_mode_needs_url_and_secret(tmp_path, engine):
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=TOKEN, WEBHOOK_URL="", WEBHOOK_SECRET="",
               DUDAO_CORPUS_DIR=str(engine.config.corpus_dir), DUDAO_INDEX_DIR=str(engine.config.index_dir))
    out = subprocess.run([sys.executable, str(ROOT / "bot.py"), "--webhook"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "WEBHOOK_URL" in out.stderr and "WEBHOOK_SECRET" in out.stderr
    assert TOKEN not in out.stderr
    # a secret Telegram would refuse is said plainly, not as "无法连接 Telegram" after a traceback
    env.update(WEBHOOK_URL="https://example.org", WEBHOOK_SECRET="秘密 key!")
    out = subprocess.run([sys.executable, str(ROOT / "bot.py"), "--webhook"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "WEBHOOK_SECRET 只能由" in out.stderr and "Traceback" not in out.stderr
    assert "无法连接" not in out.stderr


def test_webhook_listens_on_loopback_unless_asked(monkeypatch):
    from retrieval.config import load_config
    monkeypatch.delenv("WEBHOOK_LISTEN", raising=False)
    assert load_config().webhook_listen == "127.0.0.1"
    monkeypatch.setenv("WEBHOOK_LISTEN", "0.0.0.0")
    assert load_config().webhook_listen == "0.0.0.0"


def test_telegram_refused_nothing(botenv):
    """Run last: the strict stand-in answered 400 to nothing the bot sent in this module."""
    assert botenv["stub"].rejected == []


def test_ics_sends_the_plan_as_a_calendar_file(botenv):
    from icalendar import Calendar
    stub = botenv["stub"]
    user = next(_chat)
    stub.message("/ics 武胜", user_id=user)
    stub.wait_for(lambda s: any(m["chat_id"] == user and m["method"] == "sendDocument" for m in s), timeout=60)
    [doc] = [d for d in stub.documents if d["chat_id"] == user]
    assert doc["filename"].endswith(".ics")
    events = Calendar.from_ical(doc["data"]).walk("VEVENT")
    assert len(events) >= 9 and all("【武胜县】" in str(e["SUMMARY"]) for e in events)
    [caption] = [m for m in stub.to_chat(user) if m["method"] == "sendDocument"]
    assert f"{len(events)} 个日程" in caption["text"]
    [reply] = ask(stub, "/ics 成都")
    assert "没有收录成都的文件" in reply["text"]


def test_doc_sends_the_original_file(botenv):
    stub, corpus = botenv["stub"], botenv["corpus"]
    user = next(_chat)
    stub.message("/doc jiangyin-2021", user_id=user)
    stub.wait_for(lambda s: any(m["chat_id"] == user and m["method"] == "sendDocument" for m in s), timeout=60)
    [doc] = [d for d in stub.documents if d["chat_id"] == user]
    assert doc["filename"] == "jiangyin-2021.txt"
    assert doc["data"] == (corpus / "jiangyin-2021.txt").read_bytes()
    [caption] = [m for m in stub.to_chat(user) if m["method"] == "sendDocument"]
    assert "澄教督〔2021〕2号" in caption["text"]
    [reply] = ask(stub, "/doc ../../etc/passwd")
    assert "没有找到" in reply["text"]
    [reply] = ask(stub, "/doc")
    assert "用法" in reply["text"]


def test_doc_sends_only_indexed_files_and_never_through_a_link(botenv):
    stub, corpus = botenv["stub"], botenv["corpus"]
    (corpus / "unindexed.txt").write_text("武胜县教育局通知\n一、开展督导。\n", "utf-8")
    outside = corpus.parent / "secret.txt"
    outside.write_text("不在文件目录里的文件", "utf-8")
    (corpus / "link.txt").symlink_to(outside)
    try:
        for key in ("unindexed", "unindexed.txt", "link", "link.txt", "secret"):
            [reply] = ask(stub, f"/doc {key}")
            assert "没有找到" in reply["text"], key
        # a key of 4,080 characters: the "not found" reply is cut, and arrives
        [reply] = ask(stub, "/doc " + "督" * 4080)
        assert "没有找到" in reply["text"] and len(reply["text"]) < 200
        assert not any(d["filename"] in ("unindexed.txt", "link.txt", "secret.txt") for d in stub.documents)
    finally:
        (corpus / "link.txt").unlink()
        (corpus / "unindexed.txt").unlink()


def test_subscribe_to_a_place_with_only_past_plans_asks_first(botenv):
    """In 2026 every plan of 武胜 is of 2021: nothing would ever be sent, so /subscribe says so and
    subscribes only when the user still wants it."""
    stub, user = botenv["stub"], next(_chat)
    where = {"date": int(time.time()), "chat": {"id": user, "type": "private"}}
    [offer] = ask(stub, "/subscribe 武胜", user=user)
    assert "武胜县最近的工作要点是2021年的" in offer["text"] and "仍要订阅吗" in offer["text"]
    stub.callback(button(offer, "sub:-"), dict(where, message_id=offer["message_id"]), user_id=user)
    stub.wait_for(lambda s: any(m["chat_id"] == user and "没有订阅" in m["text"] for m in s), 30)
    stub.message("/subscriptions", user_id=user)
    stub.wait_for(lambda s: any(m["chat_id"] == user and "当前没有订阅" in m["text"] for m in s), 30)
    since = time.monotonic()
    stub.message("/subscribe 武胜", user_id=user)
    sent = stub.wait_for(lambda s: any(m["chat_id"] == user and m["t"] > since and m["reply_markup"] for m in s), 30)
    offer = [m for m in sent if m["chat_id"] == user and m["t"] > since and m["reply_markup"]][-1]
    still = offer["reply_markup"]["inline_keyboard"][0][0]   # 仍要订阅
    assert still["text"] == "仍要订阅"
    stub.callback(still["callback_data"], dict(where, message_id=offer["message_id"]), user_id=user)
    done = stub.wait_for(lambda s: any(m["chat_id"] == user and "已订阅武胜县" in m["text"] for m in s), 30)
    confirmed = [m for m in done if m["chat_id"] == user and "注意：武胜县最近的工作要点是2021年的" in m["text"]]
    assert confirmed and not confirmed[-1]["reply_markup"]   # the question's buttons are gone


def test_a_new_subject_after_a_follow_up_starts_fresh(botenv):
    """Through the bot: “X呢” after a when-answer asks when X is; then a question naming another
    place is about that place only."""
    stub, user = botenv["stub"], next(_chat)

    def say(text):
        before = len(stub.to_chat(user))
        stub.message(text, user_id=user)
        stub.wait_for(lambda sent: len([m for m in sent if m["chat_id"] == user]) > before, 60)
        return stub.to_chat(user)[-1]["text"]

    assert "四月" in say("武胜幼儿园办园行为督导评估在几月")
    training = say("责任督学培训呢")
    assert "六月" in training and "开展责任督学培训" in training
    other = say("东湖双减专项督导几月搞")
    assert "3月、9月" in other and "武胜" not in other
