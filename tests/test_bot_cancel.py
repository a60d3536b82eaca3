"""An admin change (upload, reindex) can be cancelled from its status message: the real bot
process, made slow at the embedding step (DUDAO_FAULT=slow:embed), against the Bot API stand-in."""
from __future__ import annotations

import shutil
import time

import pytest

from tests.botapi_stub import button, running_bot
from tests.makefiles import write_docx

TOKEN = "123456789:CANCEL-secret-token-abc"
ADMIN, OTHER = 42, 4242


@pytest.fixture(scope="module")
def cbot(tmp_path_factory, engine):
    with running_bot(tmp_path_factory.mktemp("cbot"), engine, TOKEN, ADMIN, DUDAO_FAULT="slow:embed") as run:
        yield run


def _status_with_cancel(stub, since: float) -> dict:
    """The status message of the change just started, once it shows its 取消 button."""
    def has_button(m):
        return m["chat_id"] == ADMIN and m["t"] > since and any(
            b.get("callback_data", "").startswith("cancel:")
            for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row)
    msgs = stub.wait_for(lambda s: any(has_button(m) for m in s), timeout=60)
    return [m for m in msgs if has_button(m)][-1]


def _press_cancel(stub, status: dict, user: int = ADMIN) -> None:
    stub.callback(button(status, "cancel:"), {"message_id": status["message_id"], "date": int(time.time()),
                                              "chat": {"id": ADMIN, "type": "private"}, "text": status["text"]},
                  user_id=user)


def _documents(stub) -> str:
    since = time.monotonic()
    stub.message("/stats", user_id=ADMIN)
    msgs = stub.wait_for(lambda s: any(m["chat_id"] == ADMIN and m["t"] >= since and m["text"].startswith("文件：")
                                       for m in s), timeout=30)
    return [m for m in msgs if m["chat_id"] == ADMIN and m["t"] >= since and m["text"].startswith("文件：")][-1][
        "text"].split("\n")[0]


def test_a_cancelled_upload_leaves_corpus_and_index_as_they_were(cbot, tmp_path):
    stub, corpus = cbot["stub"], cbot["corpus"]
    before, docs = sorted(p.name for p in corpus.iterdir()), _documents(stub)
    new = write_docx(tmp_path / "new.docx", ["关于印发2023年教育督导工作要点的通知", "取消县教督〔2023〕5号",
                                             "一、开展取消县课后服务专项督导。"])
    since = time.monotonic()
    stub.document(new, "new.docx", user_id=ADMIN)
    status = _status_with_cancel(stub, since)
    _press_cancel(stub, status, user=OTHER)   # not an admin: told so, nothing happens
    stub.wait_for(lambda s: any(m == "answerCallbackQuery" and "无权" in str(p.get("text")) for m, p in stub.calls), 30)
    _press_cancel(stub, status)
    done = stub.wait_for(lambda s: any(m["chat_id"] == ADMIN and "已取消" in m["text"] for m in s), timeout=60)
    assert any("未添加 new.docx：已取消，原有文件和索引保持不变" in m["text"] for m in done)
    assert sorted(p.name for p in corpus.iterdir()) == before
    assert _documents(stub) == docs


def test_a_cancelled_reindex_keeps_the_index_it_had(cbot, tmp_path):
    stub, corpus = cbot["stub"], cbot["corpus"]
    docs = _documents(stub)
    extra = write_docx(tmp_path / "extra.docx", ["关于印发2024年教育督导工作要点的通知", "重建县教督〔2024〕2号",
                                                 "一、开展重建县食堂专项督导。"])
    shutil.copy(extra, corpus / "extra.docx")
    since = time.monotonic()
    stub.message("/reindex", user_id=ADMIN)
    _press_cancel(stub, _status_with_cancel(stub, since))
    stub.wait_for(lambda s: any(m["chat_id"] == ADMIN and "重建失败：已取消" in m["text"] for m in s), timeout=60)
    assert _documents(stub) == docs                  # the new file is not in the index …
    assert (corpus / "extra.docx").exists()          # … and stays in the corpus for the next reindex
    (corpus / "extra.docx").unlink()
