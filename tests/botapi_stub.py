"""A small Telegram Bot API stand-in (aiohttp on 127.0.0.1) for running the real bot against.

As strict as Telegram about text: HTML that Telegram cannot parse, text over 4,096 characters,
empty text and an edit that changes nothing are answered 400 (and listed in `rejected`).
Implements what the bot calls: getMe, deleteWebhook, getUpdates (long polling over a queue),
sendMessage, editMessageText, sendChatAction, answerCallbackQuery, setMyCommands, getFile and
file download under /file/bot<token>/.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
BOT_ID = 999000
BOT_USERNAME = "dudao_test_bot"
MAX_TEXT = 4096
TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span",
        "tg-spoiler", "blockquote"}
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_NAMED = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"'}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))*)\s*>")


class BadRequest(Exception):
    """What Telegram answers with 400 Bad Request."""


def parse_html(text: str) -> str:
    """The text Telegram would show for an HTML message, or BadRequest where Telegram refuses it:
    unsupported or unbalanced tags, `<` that opens no tag, `&` that starts no supported entity."""
    out, stack, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "&":
            m = _ENTITY.match(text, i)
            if not m:
                raise BadRequest(f"can't parse entities: unsupported HTML entity at byte offset {i}")
            ent = m.group()
            if ent in _NAMED:
                out.append(_NAMED[ent])
            else:
                code = int(ent[3:-1], 16) if ent[2] in "xX" else int(ent[2:-1])
                out.append(chr(code) if code <= 0x10FFFF else "\ufffd")
            i = m.end()
        elif ch == "<":
            m = _TAG.match(text, i)
            if not m:
                raise BadRequest(f"can't parse entities: unclosed start tag at byte offset {i}")
            closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
            if name not in TAGS:
                raise BadRequest(f'can\'t parse entities: unsupported start tag "{name}" at byte offset {i}')
            if closing:
                if not stack or stack[-1] != name:
                    raise BadRequest(f'can\'t parse entities: unmatched end tag "{name}" at byte offset {i}')
                stack.pop()
            else:
                if name == "span" and "tg-spoiler" not in attrs:
                    raise BadRequest("can't parse entities: span without class tg-spoiler")
                stack.append(name)
            i = m.end()
        else:
            out.append(ch)
            i += 1
    if stack:
        raise BadRequest(f'can\'t parse entities: can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def check_text(p: dict) -> str:
    """The shown text of a sendMessage/editMessageText call, or BadRequest as Telegram would."""
    text = p.get("text")
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    shown = parse_html(text) if str(p.get("parse_mode") or "").upper() == "HTML" else text
    if not shown.strip():
        raise BadRequest("message text is empty")
    if len(shown.encode("utf-16-le", "surrogatepass")) // 2 > MAX_TEXT:
        raise BadRequest("message is too long")
    return shown


class BotAPIStub:
    def __init__(self, token: str):
        self.token = token
        self.port = 0
        self.sent: list[dict] = []        # every sendMessage / editMessageText, in order
        self.documents: list[dict] = []   # files sent with sendDocument: chat_id, filename, data
        self.calls: list[tuple[str, dict]] = []
        self.files: dict[str, tuple[Path, int | None]] = {}
        self.rejected: list[dict] = []    # calls answered 400, as Telegram would
        self.fail_next_sends = 0          # answer this many sendMessage calls with 429
        self.blocked: set[int] = set()    # chats whose user blocked the bot: sends get 403
        self.inline_answers: list[dict] = []   # answerInlineQuery calls: inline_query_id, results
        self.retry_after = 1
        self._updates: list[dict] = []
        self.batches: list[list[int]] = []   # the update ids of each getUpdates answer
        self._shown: dict[tuple[int, int], tuple] = {}   # (chat, message) → (text, markup) shown
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._cond: asyncio.Condition | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._runner = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> "BotAPIStub":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("stub did not start")
        return self

    def stop(self) -> None:
        if self._loop:
            fut = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
            fut.result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def _serve(self):
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._cond = asyncio.Condition()
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    # -- feeding updates -------------------------------------------------------------------
    def push(self, update: dict) -> int:
        return self.push_all([update])[0]

    def push_all(self, updates: list[dict]) -> list[int]:
        """Updates queued at once, so that one getUpdates returns them together (one batch)."""
        updates = [dict(u, update_id=next(self._update_ids)) for u in updates]

        async def add():
            async with self._cond:
                self._updates.extend(updates)
                self._cond.notify_all()
        asyncio.run_coroutine_threadsafe(add(), self._loop).result(5)
        return [u["update_id"] for u in updates]

    def message(self, text: str, user_id: int = 1, chat_id: int | None = None, chat_type: str = "private",
                reply_to_bot: bool = False, reply_to: int | None = None, replied_at: float | None = None) -> int:
        """A user's text message; `reply_to` makes it a reply to the bot's message of that id
        (sent at `replied_at`, a Unix time; now by default)."""
        msg = self._base_message(user_id, chat_id, chat_type)
        msg["text"] = text
        if text.startswith("/"):
            cmd = text.split()[0]
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(cmd)}]
        if reply_to_bot or reply_to is not None:
            msg["reply_to_message"] = {"message_id": reply_to or 1, "date": int(replied_at or time.time()),
                                       "chat": msg["chat"], "text": "…",
                                       "from": {"id": BOT_ID, "is_bot": True, "first_name": "督导助手",
                                                "username": BOT_USERNAME}}
        return self.push({"message": msg})

    def document(self, path: Path, file_name: str, user_id: int = 1, declared_size: int | None = None) -> int:
        file_id = f"file{len(self.files) + 1}"
        size = path.stat().st_size if declared_size is None else declared_size
        self.files[file_id] = (path, size)
        msg = self._base_message(user_id, None, "private")
        msg["document"] = {"file_id": file_id, "file_unique_id": "u" + file_id, "file_name": file_name,
                           "file_size": size}
        return self.push({"message": msg})

    def sticker(self, user_id: int = 1) -> int:
        msg = self._base_message(user_id, None, "private")
        msg["sticker"] = {"file_id": "stk", "file_unique_id": "ustk", "type": "regular", "width": 512,
                          "height": 512, "is_animated": False, "is_video": False}
        return self.push({"message": msg})

    def photo(self, user_id: int = 1) -> int:
        msg = self._base_message(user_id, None, "private")
        msg["photo"] = [{"file_id": "ph", "file_unique_id": "uph", "width": 90, "height": 90}]
        return self.push({"message": msg})

    def callback(self, data: str, message: dict, user_id: int = 1) -> int:
        return self.push(self.callback_update(data, message, user_id))

    @staticmethod
    def callback_update(data: str, message: dict, user_id: int = 1) -> dict:
        """A press of an inline button (callback data `data`) under the bot's `message`."""
        return {"callback_query": {
            "id": f"cq{time.monotonic_ns()}", "chat_instance": "ci", "data": data,
            "from": {"id": user_id, "is_bot": False, "first_name": f"用户{user_id}"},
            "message": message}}

    def inline_query(self, text: str, user_id: int = 1) -> str:
        """`@bot text` typed in any chat; returns the query id answerInlineQuery will name."""
        qid = f"iq{time.monotonic_ns()}"
        self.push({"inline_query": {"id": qid, "query": text, "offset": "",
                                    "from": {"id": user_id, "is_bot": False, "first_name": f"用户{user_id}"}}})
        return qid

    def _base_message(self, user_id: int, chat_id: int | None, chat_type: str) -> dict:
        chat_id = chat_id if chat_id is not None else user_id
        chat = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"用户{user_id}"
        else:
            chat["title"] = "督导群"
        return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                "from": {"id": user_id, "is_bot": False, "first_name": f"用户{user_id}"}}

    # -- reading what the bot sent ---------------------------------------------------------
    def wait_for(self, predicate, timeout: float = 30.0) -> list[dict]:
        """Messages sent so far once predicate(messages) holds; AssertionError on timeout."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                snapshot = list(self.sent)
            if predicate(snapshot):
                return snapshot
            time.sleep(0.05)
        with self._lock:
            raise AssertionError(f"timed out; sent so far: {json.dumps(self.sent, ensure_ascii=False)[:3000]}")

    def to_chat(self, chat_id: int, method: str | None = None) -> list[dict]:
        with self._lock:
            return [m for m in self.sent if m["chat_id"] == chat_id and (method is None or m["method"] == method)]

    def methods(self) -> list[str]:
        with self._lock:
            return [c[0] for c in self.calls]

    # -- the API ---------------------------------------------------------------------------
    async def _params(self, request) -> dict:
        if request.content_type == "application/json":
            return await request.json()
        data = await request.post()
        out = {}
        for k, v in data.items():
            if isinstance(v, str):
                try:
                    out[k] = json.loads(v)
                except ValueError:
                    out[k] = v
            else:
                out[k] = v
        return out

    def _ok(self, result):
        return web.json_response({"ok": True, "result": result})

    async def _api(self, request):
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"},
                                     status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        with self._lock:
            self.calls.append((method, params))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": f"{method} not stubbed"},
                                     status=404)
        return await handler(params)

    async def _m_getMe(self, p):
        return self._ok({"id": BOT_ID, "is_bot": True, "first_name": "督导助手", "username": BOT_USERNAME,
                         "can_join_groups": True, "can_read_all_group_messages": False,
                         "supports_inline_queries": False})

    async def _m_deleteWebhook(self, p):
        return self._ok(True)

    async def _m_setMyCommands(self, p):
        return self._ok(True)

    async def _m_sendChatAction(self, p):
        return self._ok(True)

    async def _m_answerCallbackQuery(self, p):
        return self._ok(True)

    async def _m_getUpdates(self, p):
        offset = int(p.get("offset") or 0)
        timeout = min(float(p.get("timeout") or 0), 2.0)
        async with self._cond:
            if not [u for u in self._updates if u["update_id"] >= offset]:
                try:
                    await asyncio.wait_for(self._cond.wait(), timeout)
                except asyncio.TimeoutError:
                    pass
            ready = [u for u in self._updates if u["update_id"] >= offset]
            self._updates = ready  # confirmed ones are dropped, as Telegram does
        if ready:
            self.batches.append([u["update_id"] for u in ready[:100]])
        return self._ok(ready[:100])

    def _record(self, method, p, message_id):
        msg = {"method": method, "chat_id": int(p["chat_id"]), "message_id": message_id,
               "text": p.get("text", ""), "parse_mode": p.get("parse_mode"),
               "reply_markup": p.get("reply_markup"), "t": time.monotonic()}
        with self._lock:
            self.sent.append(msg)
        return msg

    def _bad_request(self, method: str, p: dict, why: str):
        with self._lock:
            self.rejected.append({"method": method, "chat_id": p.get("chat_id"), "text": p.get("text"),
                                  "description": why})
        return web.json_response({"ok": False, "error_code": 400, "description": f"Bad Request: {why}"},
                                 status=400)

    def _sent_message(self, method: str, p: dict, mid: int):
        """Record a message the bot sent or edited and answer with it, as the Bot API does; 400
        where Telegram would refuse it (bad HTML, too long, empty, an edit that changes nothing)."""
        try:
            check_text(p)
        except BadRequest as exc:
            return self._bad_request(method, p, str(exc))
        key = (int(p["chat_id"]), mid)
        with self._lock:
            shown = self._shown.get(key)
            if method == "editMessageText" and shown == (p.get("text"), json.dumps(p.get("reply_markup"))):
                unchanged = True
            else:
                unchanged = False
                self._shown[key] = (p.get("text"), json.dumps(p.get("reply_markup")))
        if unchanged:
            return self._bad_request(method, p, "message is not modified: specified new message content and "
                                                 "reply markup are exactly the same as a current content and "
                                                 "reply markup of the message")
        self._record(method, p, mid)
        return self._ok({"message_id": mid, "date": int(time.time()),
                         "chat": {"id": int(p["chat_id"]), "type": "private"},
                         "from": {"id": BOT_ID, "is_bot": True, "first_name": "督导助手"},
                         "text": p.get("text", "")})

    async def _m_sendMessage(self, p):
        if int(p.get("chat_id", 0)) in self.blocked:
            return web.json_response({"ok": False, "error_code": 403,
                                      "description": "Forbidden: bot was blocked by the user"}, status=403)
        if self.fail_next_sends > 0:
            self.fail_next_sends -= 1
            return web.json_response({"ok": False, "error_code": 429,
                                      "description": f"Too Many Requests: retry after {self.retry_after}",
                                      "parameters": {"retry_after": self.retry_after}}, status=429)
        return self._sent_message("sendMessage", p, next(self._message_ids))

    async def _m_sendDocument(self, p, kind: str = "document"):
        """A file the bot sent: recorded with its name and bytes (`documents`), caption as text."""
        doc = p.get(kind)
        if not hasattr(doc, "file"):
            return self._bad_request(f"send{kind.title()}", p, f"there is no {kind} in the request")
        mid = next(self._message_ids)
        msg = self._record(f"send{kind.title()}", {**p, "text": p.get("caption", "")}, mid)
        with self._lock:
            self.documents.append({"chat_id": msg["chat_id"], "filename": doc.filename, "data": doc.file.read()})
        return self._ok({"message_id": mid, "date": int(time.time()),
                         "chat": {"id": msg["chat_id"], "type": "private"},
                         "document": {"file_id": f"sent{mid}", "file_unique_id": f"usent{mid}",
                                      "file_name": doc.filename}})

    async def _m_sendPhoto(self, p):
        """Telegram's photo limits: width + height ≤ 10,000, neither side over 20× the other."""
        photo = p.get("photo")
        if hasattr(photo, "file"):
            head = photo.file.read(24)
            photo.file.seek(0)
            if head[:8] == b"\x89PNG\r\n\x1a\n":
                width, height = struct.unpack(">II", head[16:24])
                if width + height > 10_000 or max(width, height) > 20 * max(1, min(width, height)):
                    return self._bad_request("sendPhoto", p, "PHOTO_INVALID_DIMENSIONS")
        return await self._m_sendDocument(p, "photo")

    async def _m_answerInlineQuery(self, p):
        with self._lock:
            self.inline_answers.append({"inline_query_id": p.get("inline_query_id"),
                                        "results": p.get("results") or []})
        return self._ok(True)

    async def _m_editMessageText(self, p):
        return self._sent_message("editMessageText", p, int(p["message_id"]))

    async def _m_getFile(self, p):
        file_id = p["file_id"]
        path, size = self.files[file_id]
        return self._ok({"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": size,
                         "file_path": f"documents/{file_id}{path.suffix}"})

    async def _file(self, request):
        name = request.match_info["path"].rsplit("/", 1)[-1]
        file_id = name.split(".")[0]
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id][0].read_bytes())


def button(message: dict, prefix: str) -> str:
    """The callback data of a message's first button whose data starts with `prefix`."""
    return next(b["callback_data"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                for b in row if b.get("callback_data", "").startswith(prefix))


def start_bot(stub, corpus: Path, index: Path, log: Path, token: str, admins: int | str, **env):
    """The real bot process (python bot.py -v) against `stub`, once it polls for updates
    (calls recorded before are forgotten first); returns (process, its log file)."""
    with stub._lock:
        stub.calls.clear()
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE_URL=stub.base_url,
               ADMIN_IDS=str(admins), DUDAO_CORPUS_DIR=str(corpus), DUDAO_INDEX_DIR=str(index),
               PYTHONUNBUFFERED="1", **env)
    fh = open(log, "w")
    proc = subprocess.Popen([sys.executable, str(ROOT / "bot.py"), "-v"], cwd=ROOT, env=env,
                            stdout=fh, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while "getUpdates" not in stub.methods():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "bot did not start polling"
        time.sleep(0.1)
    return proc, fh


def stop_bot(proc, fh, stub=None):
    """Stop the bot process (and the stand-in, when given)."""
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    fh.close()
    if stub is not None:
        stub.stop()


@contextmanager
def running_bot(base: Path, engine, token: str, admins: int | str, **env):
    """The session engine's corpus and index copied under `base` (nothing to build), a stand-in,
    and the real bot process against it: yields {stub, proc, fh, corpus, index, log}; a test may
    replace proc and fh (a restart), the last ones are stopped."""
    corpus, index = base / "corpus", base / "index"
    shutil.copytree(engine.config.corpus_dir, corpus)
    shutil.copytree(engine.config.index_dir, index, symlinks=True)
    stub = BotAPIStub(token).start()
    proc, fh = start_bot(stub, corpus, index, base / "bot.log", token, admins, **env)
    run = {"stub": stub, "proc": proc, "fh": fh, "corpus": corpus, "index": index, "log": base / "bot.log"}
    try:
        yield run
    finally:
        stop_bot(run["proc"], run["fh"], stub)
