"""The real bot process against the Bot API stand-in, with its clock set through configuration:
reminders (subscribe → digest and step reminder, never twice across a restart, blocked users
dropped), the plan picture, section buttons and inline mode."""
from __future__ import annotations

import struct
import time

import pytest

from tests.botapi_stub import button, running_bot, start_bot, stop_bot

# 6 May 2021 is the first working day of May (1–5 May were the labour-day holiday); 东湖's
# 5月中旬 step starts on 11 May, so a subscriber who wants 5 days' notice gets both at 08:30
CLOCK = "2021-05-06T08:29:45"
AFTER = "2021-05-06T08:31:00"
FAST = {"DUDAO_REMINDER_CHECK_SECONDS": "1"}
USER, BLOCKED, GROUP = 7001, 7002, -7003
TOKEN = "123456789:FEATURES-secret-token-r"
ADMIN = 42


@pytest.fixture(scope="module")
def fbot(tmp_path_factory, engine):
    with running_bot(tmp_path_factory.mktemp("fbot"), engine, TOKEN, ADMIN, DUDAO_CLOCK_START=CLOCK, **FAST) as run:
        yield run


def texts(stub, chat):
    return [m["text"] for m in stub.to_chat(chat)]


def test_subscribers_get_the_month_digest_and_the_step_reminder_once(fbot):
    stub = fbot["stub"]
    stub.message("/subscribe 东湖 5", user_id=USER)
    stub.message("/subscribe 东湖", user_id=BLOCKED)
    stub.message("/subscribe", user_id=9, chat_id=GROUP, chat_type="group")
    stub.wait_for(lambda s: {m["chat_id"] for m in s} >= {USER, BLOCKED, GROUP}, 20)
    assert "已订阅东湖高新区" in texts(stub, USER)[0] and "提前 5 天" in texts(stub, USER)[0]
    offer = stub.to_chat(GROUP)[0]
    buttons = [b for row in offer["reply_markup"]["inline_keyboard"] for b in row]
    wusheng = next(b for b in buttons if b["text"] == "武胜县")
    stub.callback(wusheng["callback_data"], {"message_id": offer["message_id"], "date": int(time.time()),
                                             "chat": {"id": GROUP, "type": "group", "title": "督导群"}}, user_id=9)
    stub.wait_for(lambda s: any(m["chat_id"] == GROUP and "已订阅武胜县" in m["text"] for m in s), 20)
    stub.blocked.add(BLOCKED)    # the user blocks the bot before 08:30

    stub.wait_for(lambda s: len([m for m in s if m["chat_id"] == USER]) >= 3
                  and len([m for m in s if m["chat_id"] == GROUP]) >= 3, 60)
    digest, step = texts(stub, USER)[1:3] if "月提醒" in texts(stub, USER)[1] else texts(stub, USER)[2:0:-1]
    assert "2021年5月提醒" in digest and "东湖高新区" in digest and "第二轮视导" in digest
    assert "还有 5 天（5月11日）" in step and "第二轮视导" in step and "武新管教督〔2021〕1号" in step
    group_digest = texts(stub, GROUP)[2]
    assert "2021年5月提醒" in group_digest and "武胜县" in group_digest and "东湖" not in group_digest
    assert texts(stub, BLOCKED)[1:] == []
    end = time.monotonic() + 20
    while "blocked the bot" not in fbot["log"].read_text(encoding="utf-8"):   # the 403 is handled
        assert time.monotonic() < end, "the blocked user's reminder was never tried"
        time.sleep(0.1)

    stub.message("/stats", user_id=ADMIN)
    stub.wait_for(lambda s: any(m["chat_id"] == ADMIN and "订阅" in m["text"] for m in s), 20)
    stats = next(m["text"] for m in stub.to_chat(ADMIN) if "订阅" in m["text"])
    assert "订阅：2 个会话，2 个地区订阅" in stats     # the blocked user was dropped

    # a restart a minute later: the same reminders are due, none is sent again
    stop_bot(fbot["proc"], fbot["fh"])
    before = len(stub.sent)
    fbot["proc"], fbot["fh"] = start_bot(stub, fbot["corpus"], fbot["index"], fbot["log"], TOKEN, ADMIN,
                                         DUDAO_CLOCK_START=AFTER, **FAST)
    stub.message("/subscriptions", user_id=USER)
    stub.wait_for(lambda s: any(m["chat_id"] == USER and "当前订阅" in m["text"] for m in s), 20)
    time.sleep(3)    # three checks at one-second intervals
    assert [m["text"][:20] for m in stub.sent[before:] if m["chat_id"] in (USER, GROUP)] == \
        [next(m["text"][:20] for m in stub.to_chat(USER) if "当前订阅" in m["text"])]
    assert "东湖高新区（提前 5 天提醒）" in texts(stub, USER)[-1]


def test_unsubscribe_and_a_place_not_held(fbot):
    stub = fbot["stub"]
    stub.message("/subscribe 成都", user_id=7100)
    stub.wait_for(lambda s: any(m["chat_id"] == 7100 for m in s), 20)
    assert "没有收录" in texts(stub, 7100)[0] and "武胜县" in texts(stub, 7100)[0]
    stub.message("/subscribe 江阴 99", user_id=7100)
    stub.message("/subscribe 江阴 7", user_id=7100)
    stub.wait_for(lambda s: len([m for m in s if m["chat_id"] == 7100]) >= 3, 20)
    assert any("0–30" in t for t in texts(stub, 7100)) and any("已订阅江阴市" in t for t in texts(stub, 7100))
    stub.message("/unsubscribe", user_id=7100)
    stub.wait_for(lambda s: any(m["chat_id"] == 7100 and "已取消" in m["text"] for m in s), 20)
    assert "已取消全部 1 个订阅" in texts(stub, 7100)[-1]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_plan_is_a_picture_without_missing_glyphs(fbot):
    stub = fbot["stub"]
    stub.message("/plan 武胜", user_id=7200)
    stub.wait_for(lambda s: any(m["chat_id"] == 7200 for m in s), 60)
    [photo] = [d for d in stub.documents if d["chat_id"] == 7200]
    width, height = png_size(photo["data"])
    assert width >= 1080 and height > 300
    assert "10 项工作安排（1 份文件）" in texts(stub, 7200)[0]
    assert "plan picture" not in fbot["log"].read_text(encoding="utf-8")   # no missing-glyph warning
    stub.message("/plan 成都", user_id=7201)
    stub.wait_for(lambda s: any(m["chat_id"] == 7201 for m in s), 30)
    assert "没有收录" in texts(stub, 7201)[0]


def test_section_button_shows_the_whole_section(fbot):
    stub = fbot["stub"]
    stub.message("大足责任区督学按什么比例配备", user_id=7300)
    stub.wait_for(lambda s: any(m["chat_id"] == 7300 and m["reply_markup"] for m in s), 30)
    reply = next(m for m in stub.to_chat(7300) if m["reply_markup"])
    stub.callback(button(reply, "sec:"), {"message_id": reply["message_id"], "date": int(time.time()),
                                            "chat": {"id": 7300, "type": "private"}}, user_id=7300)
    stub.wait_for(lambda s: any(m["chat_id"] == 7300 and "原文所在章节" in m["text"] for m in s), 30)
    section = next(m["text"] for m in stub.to_chat(7300) if "原文所在章节" in m["text"])
    assert "大足教发〔2021〕20号" in section and len(section) > len(reply["text"]) / 2
    # the passage quoted is inside the section shown
    quoted = reply["text"].split("\n")[1].split(". ", 1)[-1][:15]
    assert quoted in section


def test_inline_query_offers_the_answer(fbot):
    stub = fbot["stub"]
    qid = stub.inline_query("江阴的督导工作要点文号是什么", user_id=7400)
    end = time.monotonic() + 30
    while not any(a["inline_query_id"] == qid for a in stub.inline_answers):
        assert time.monotonic() < end, "no inline answer"
        time.sleep(0.1)
    [answer] = [a for a in stub.inline_answers if a["inline_query_id"] == qid]
    [result] = answer["results"]
    content = result["input_message_content"]
    assert result["type"] == "article" and "澄教督〔2021〕2号" in content["message_text"]
    assert content["parse_mode"] == "HTML" and len(content["message_text"]) <= 4096


def test_inline_queries_count_against_the_rate_limit(fbot):
    stub = fbot["stub"]
    ids = [stub.inline_query(f"四月做什么{'？' * i}", user_id=7401) for i in range(12)]
    end = time.monotonic() + 60
    while not all(any(a["inline_query_id"] == q for a in stub.inline_answers) for q in ids):
        assert time.monotonic() < end, "not every inline query was answered"
        time.sleep(0.1)
    counts = [len(next(a for a in stub.inline_answers if a["inline_query_id"] == q)["results"]) for q in ids]
    assert counts.count(1) == 8 and counts.count(0) == 4     # a burst of 8, then nothing until it refills


def test_a_command_over_the_rate_limit_always_gets_a_short_reply(fbot):
    """Past the burst, a person sending a command about once a second hears back every time."""
    stub, user = fbot["stub"], 7460
    for _ in range(9):                      # the burst of 8, then one refused
        stub.message("/help", user_id=user)
    stub.wait_for(lambda s: len([m for m in s if m["chat_id"] == user]) >= 9, 30)
    time.sleep(1.2)
    stub.message("/docs", user_id=user)     # still over the limit, a second after the notice
    stub.wait_for(lambda s: len([m for m in s if m["chat_id"] == user]) >= 10, 30)
    time.sleep(0.5)
    got = texts(stub, user)
    assert len(got) == 10 and "太快" in got[-1]    # every command answered, the last by a notice


def test_unsubscribe_one_place_by_the_name_it_was_stored_under(fbot):
    stub = fbot["stub"]
    stub.message("/subscribe 武胜", user_id=7500)
    stub.wait_for(lambda s: any(m["chat_id"] == 7500 and "已订阅武胜县" in m["text"] for m in s), 20)
    stub.message("/unsubscribe 武胜县", user_id=7500)
    stub.wait_for(lambda s: any(m["chat_id"] == 7500 and "已取消订阅武胜县" in m["text"] for m in s), 20)


@pytest.mark.parametrize("days", ["3650000", "²", "1" * 20, "-1", "31"])
def test_forged_subscription_days_in_button_data_are_refused(fbot, days):
    stub = fbot["stub"]
    chat = 7200 + len(days)
    stub.message("/subscribe", user_id=chat)
    stub.wait_for(lambda s: any(m["chat_id"] == chat and m.get("reply_markup") for m in s), 20)
    offer = next(m for m in stub.to_chat(chat) if m.get("reply_markup"))
    button = offer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    forged = ":".join(button.split(":")[:2] + [days])
    stub.callback(forged, {"message_id": offer["message_id"], "date": int(time.time()),
                           "chat": {"id": chat, "type": "private"}}, user_id=chat)
    stub.message("/subscriptions", user_id=chat)
    stub.wait_for(lambda s: any(m["chat_id"] == chat and "订阅" in m["text"] and m is not offer
                                and "当前" in m["text"] for m in s), 20)
    assert any("当前没有订阅" in m["text"] for m in stub.to_chat(chat))
    assert "Traceback" not in fbot["log"].read_text(encoding="utf-8")
