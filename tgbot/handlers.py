"""Telegram handlers around one Engine: each turns an update into an engine call and the
engine's answer into messages (formatting in tgbot.format)."""
from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from functools import partial
from html import escape
from pathlib import Path

from telegram import (InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle,
                      InputTextMessageContent, LinkPreviewOptions, Update)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import ApplicationHandlerStop, ContextTypes

from retrieval.corpus import SameDocumentError, add_file, check_upload, indexed_file, remove_file
from retrieval.errors import ChangeCancelledError, EngineError
from retrieval.ics import NO_DATED_PLAN, export
from retrieval.loaders import FORMATS, MAX_BYTES
from retrieval.planchart import NO_PLAN as NO_CHART
from retrieval.planchart import render as render_chart
from retrieval.scope import place_name
from retrieval.render import NAME_SHOWN, clip
from retrieval.report import added_lines, doc_card, progress_text, reindex_lines
from retrieval.textnorm import sanitize
from retrieval.timeexpr import cn_number

from .format import (LIMIT, answer_messages, docs_messages, error_text, more_messages, plain_lines,
                     plain_message, section_messages, units)
from .ratelimit import ALLOW, TELL

log = logging.getLogger("dudao.bot")

HELP = """我是<b>督导助手</b>，回答教育督导工作要点里的问题，每条回答都引用原文并注明出处（地区、年份、文件标题、文号、章节）。

可以这样问：
• 今年有哪些专项督导？
• 幼儿园办园行为督导评估在几月？
• 四月做什么？
• 东湖督学培训班什么时候办？
• 江阴的督导工作要点文号是什么？

命令：
/month [月份] — 某月的工作安排（默认本月）
/ics [地区] [年份] — 工作安排导出为日历文件（.ics）
/plan [地区] [年份] — 年度工作安排图
/subscribe [地区] [提前天数] — 每月第一个工作日收到当月安排，写明日期的事项提前提醒
/subscriptions — 查看订阅　/unsubscribe [地区] — 取消订阅
/docs — 已收录的文件　/doc &lt;文件编号&gt; — 文件原件
/help — 本说明"""

ADMIN_HELP = f"""

管理员：直接发送文件（{FORMATS}，不超过 {MAX_BYTES // 2 ** 20} MB）即可添加；
/reindex — 重建索引　/remove &lt;文件编号&gt; — 移除文件　/stats — 运行统计"""

COMMANDS = [
    ("help", "使用说明和示例问题"),
    ("month", "某月的工作安排，如 /month 4"),
    ("docs", "已收录的工作要点"),
    ("doc", "发送某份文件的原件，如 /doc 文件编号"),
    ("ics", "年度工作安排导出为日历文件，如 /ics 武胜"),
    ("plan", "年度工作安排图，如 /plan 武胜"),
    ("subscribe", "订阅某地的每月安排和事项提醒，如 /subscribe 武胜"),
    ("subscriptions", "查看本会话的订阅"),
    ("unsubscribe", "取消订阅"),
    ("stats", "运行统计（管理员）"),
    ("reindex", "重建索引（管理员）"),
    ("remove", "移除文件（管理员）"),
]
ANSWERED_KEPT = 5000      # bot messages whose question a reply to them continues …
REPLY_CONTEXT = timedelta(hours=24)   # … while they are this recent
PENDING = ".pending"      # corpus subfolder for uploads awaiting the admin's “替换?” answer
MORE_CACHE = 500          # answers whose extra passages and sections can still be shown
SECTION_BUTTONS = 5       # “全节” buttons under an answer, one per cited passage
CAPTION_LIMIT = 1024      # Telegram's limit for a photo's caption
PHOTO_SIDES = 10_000      # Telegram's photo limits: width + height, and a side at most 20× the other
PHOTO_RATIO = 20


def photo_fits(width: int, height: int) -> bool:
    """Whether Telegram takes a picture of this size as a photo (else it is sent as a file)."""
    return width + height <= PHOTO_SIDES and max(width, height) <= PHOTO_RATIO * max(1, min(width, height))
INLINE_CACHE = 60         # seconds Telegram may reuse an inline answer for the same text
INLINE_CUT = "\n\n<i>（回答较长，完整内容请私聊机器人）</i>"
SLOW_DOWN = "你发得太快了，请稍等几秒再问（每 {seconds:g} 秒可以问一个问题）。"
PROGRESS_EVERY = 1.0      # seconds between progress edits
CANCELLABLE = ("parse", "embed")   # reindex stages a cancel may stop: nothing is written yet
QUEUED, STARTED = "queued", "started"   # stages of a change before its reindex reports one


class _Change:
    """An admin change in progress or waiting: its cancel flag and the stage it is at."""

    def __init__(self):
        self.event = threading.Event()
        self.stage = QUEUED
UNREADABLE = "我只能读懂文字提问。请直接输入问题，例如：“四月做什么？”或“幼儿园办园行为督导评估在几月？”"


def _log_failed_edit(fut) -> None:
    """Progress edits are best effort (e.g. 'message is not modified'); note failures."""
    if not fut.cancelled() and fut.exception() is not None:
        log.info("progress edit failed: %s", fut.exception())


def section_buttons(answer) -> list[tuple[str, int]]:
    """(label, citation index) of the “全节” buttons: one per numbered passage, or, where passages
    are grouped by region (month and when answers), one per section they come from."""
    if answer.kind == "meta" or not answer.citations:
        return []
    if not answer.sections:
        if len(answer.citations) == 1:
            return [("所在章节全文", 0)]
        return [(f"第{i + 1}段全节", i) for i in range(min(len(answer.citations), SECTION_BUTTONS))]
    seen: dict[tuple[str, str], int] = {}
    for i, c in enumerate(answer.citations):
        seen.setdefault((c.doc, c.heading.split(" > ")[0]), i)
    return [(clip(f"{answer.citations[i].region} {top}".strip(), 16) + " 全节", i)
            for (_, top), i in list(seen.items())[:SECTION_BUTTONS]]


class DudaoBot:
    """Telegram handlers around one Engine."""

    def __init__(self, engine, admin_ids: frozenset[int], limiter=None):
        self.engine = engine
        self.admin_ids = admin_ids
        # key → (user who asked, build that answered, further passages, cited passages): further
        # passages only for that user, both only while that build serves (a removed circular is
        # never shown again)
        self.more: OrderedDict[str, tuple[int | None, object, list, list]] = OrderedDict()
        self.reminders = None    # tgbot.reminders.Reminders, for /stats
        self.answered: OrderedDict[tuple[int, int], str] = OrderedDict()
        self.pending: dict[str, tuple[int | None, str, str]] = {}  # uploads awaiting “替换?”
        self._drop_stale_pending()
        self.limiter = limiter
        # admin changes (upload, /remove, /reindex) run one at a time, the others wait in line
        self.admin_lock = asyncio.Lock()
        self.admin_pending = 0
        self.cancels: dict[str, _Change] = {}   # admin changes running or queued, by key
        self.started = time.time()

    # -- helpers ---------------------------------------------------------------------------
    def is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return bool(user and user.id in self.admin_ids)

    async def refuse_non_admin(self, update: Update) -> bool:
        if self.is_admin(update):
            return False
        await update.effective_message.reply_text("抱歉，只有管理员可以执行这个操作。")
        return True

    @staticmethod
    def addressed_to_me(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """In groups: only mentions and replies to the bot; in private chats: everything."""
        msg = update.effective_message
        if update.effective_chat.type == "private":
            return True
        if msg.reply_to_message and msg.reply_to_message.from_user and \
                msg.reply_to_message.from_user.id == context.bot.id:
            return True
        username = (context.bot.username or "").lower()
        text = (msg.text or msg.caption or "").lower()
        return bool(username) and f"@{username}" in text

    @staticmethod
    def strip_mention(text: str, username: str) -> str:
        if username:
            text = text.replace(f"@{username}", " ")
        return text.strip()

    async def throttle(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs before every handler: a request over the rate limit gets a short notice (at most
        one a second, see ratelimit.TELL_GAP) and is not run; admins and messages not meant for
        the bot pass. An inline query (each one runs a search) counts too; over the limit it gets
        no results."""
        user = update.effective_user
        if self.limiter is None or user is None or user.id in self.admin_ids:
            return
        if update.callback_query is None and update.inline_query is None and (
                update.effective_message is None or update.effective_chat is None
                or not self.addressed_to_me(update, context)):
            return
        verdict = self.limiter.check(user.id)
        if verdict == ALLOW:
            return
        if update.inline_query is not None:
            await update.inline_query.answer([], cache_time=0)
        elif verdict == TELL:
            text = SLOW_DOWN.format(seconds=self.limiter.seconds)
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)
            else:
                await update.effective_message.reply_text(text)
        log.info("rate limited user %s (%s)", user.id, verdict)
        raise ApplicationHandlerStop

    async def send_answer(self, update: Update, answer) -> list[int]:
        """Send an answer as HTML messages, with a button per cited passage that shows its whole
        section and one for further passages; returns the messages' ids."""
        messages = answer_messages(answer)
        key = secrets.token_urlsafe(6)
        user = update.effective_user
        self.more[key] = (user.id if user else None, self.engine.state.built.path, answer.more,
                          answer.citations)
        while len(self.more) > MORE_CACHE:
            self.more.popitem(last=False)
        rows = [[InlineKeyboardButton(label, callback_data=f"sec:{key}:{i}")
                 for label, i in section_buttons(answer)]]
        if answer.more:
            rows.append([InlineKeyboardButton(f"更多原文（{len(answer.more)}）", callback_data=f"more:{key}")])
        rows = [r for r in rows if r]
        markup = InlineKeyboardMarkup(rows) if rows else None
        msg = update.effective_message
        sent = []
        for i, html in enumerate(messages):
            last = i == len(messages) - 1
            reply = await msg.reply_text(html, parse_mode=ParseMode.HTML, disable_web_page_preview=True,
                                         reply_markup=markup if last else None)
            sent.append(reply.message_id)
        return sent

    async def typing(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Best effort: a failed typing indicator must not cost the user the answer."""
        try:
            await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
        except TelegramError as exc:
            log.info("typing indicator not shown: %s", exc)

    # -- everyone --------------------------------------------------------------------------
    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:

        docs = self.engine.documents()
        known = "、".join(dict.fromkeys(f"{place_name(d)}{d.year or ''}年" for d in docs))
        text = (HELP + f"\n\n目前收录 {len(docs)} 份工作要点：{escape(known)}。"
                + (ADMIN_HELP if self.is_admin(update) else ""))
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)

    async def question(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        if not self.addressed_to_me(update, context):
            return
        text = sanitize(self.strip_mention(msg.text or "", context.bot.username or ""))
        chat = f"tg:{update.effective_chat.id}"
        replied = msg.reply_to_message
        # a reply to one of the bot's answers continues the question that answer was for
        reply_to = self.answered.get((update.effective_chat.id, replied.message_id)) if replied else None
        if reply_to and replied.date and datetime.now(timezone.utc) - replied.date > REPLY_CONTEXT:
            reply_to = None   # an answer of days ago: a new question, not a follow-up of that one
        await self.typing(update, context)
        answer = await asyncio.to_thread(self.engine.ask, text, None, chat, reply_to)
        sent = await self.send_answer(update, answer)
        for message_id in sent:
            self.answered[(update.effective_chat.id, message_id)] = answer.understood or answer.question
        while len(self.answered) > ANSWERED_KEPT:
            self.answered.popitem(last=False)

    async def month(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args = context.args or []
        if args:
            raw = args[0].strip().removesuffix("月份").removesuffix("月")
            n = cn_number(raw)
            if n is None or not 1 <= n <= 12:
                await update.effective_message.reply_text("月份请写 1–12，例如 /month 4")
                return
        else:
            n = self.engine.now().month
        await self.typing(update, context)
        answer = await asyncio.to_thread(self.engine.month, n)
        await self.send_answer(update, answer)

    async def ics(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/ics [地区] [年份]: the year plan as a calendar file to import."""
        await self.typing(update, context)
        out = await asyncio.to_thread(export, self.engine, " ".join(context.args or []))
        if out.data is None:
            await update.effective_message.reply_text("\n".join(out.notes) or NO_DATED_PLAN)
            return
        caption = "\n".join([f"{out.events} 个日程（{out.documents} 份文件），可导入手机或电脑日历；"
                             "再次导入会更新而不会重复。", *out.notes])
        await update.effective_message.reply_document(document=out.data, filename="督导工作安排.ics",
                                                      caption=caption)

    async def doc(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/doc <文件编号>: the original file of a circular, as it was added."""
        if not context.args:
            await update.effective_message.reply_text("用法：/doc <文件编号>，文件编号见 /docs")
            return
        try:
            path = indexed_file(self.engine, " ".join(context.args))
        except EngineError as exc:
            await update.effective_message.reply_text(error_text(exc))
            return
        doc = self.engine.state.built.documents.get(path.stem)
        caption = "\n".join(doc_card(doc)[:3]) if doc is not None else path.name
        await self.typing(update, context)
        with path.open("rb") as fh:
            await update.effective_message.reply_document(document=fh, filename=path.name, caption=caption)

    async def docs(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        for html in docs_messages(self.engine.documents()):
            await update.effective_message.reply_text(html, parse_mode=ParseMode.HTML)

    def _kept(self, query) -> tuple | None:
        """What an answer's button refers to, while the build that answered still serves."""
        parts = (query.data or "").split(":")
        kept = self.more.get(parts[1]) if len(parts) > 1 else None
        if kept is None or kept[1] != self.engine.state.built.path:
            return None
        return kept

    async def show_more(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query.message is None:   # a button on an inline message: there is no chat to reply in
            await query.answer("请在与机器人的私聊中提问，再查看更多原文。", show_alert=True)
            return
        kept = self._kept(query)
        if kept is None or not kept[2]:
            await query.answer("这条回答已过期，请重新提问。")
            return
        if kept[0] != query.from_user.id:
            await query.answer("这是别人的提问；请自己提问后再查看更多原文。", show_alert=True)
            return
        await query.answer()
        for html in more_messages(kept[2]):
            await query.message.reply_text(html, parse_mode=ParseMode.HTML)

    async def show_section(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The whole section a cited passage comes from (anyone in the chat may press it)."""
        query = update.callback_query
        kept = self._kept(query) if query.message is not None else None
        index = (query.data or "").rpartition(":")[2]
        cites = kept[3] if kept is not None else []
        if not index.isdigit() or int(index) >= len(cites):
            await query.answer("这条回答已过期，请重新提问。")
            return
        cite = cites[int(index)]
        section = await asyncio.to_thread(self.engine.section, cite.doc, cite.start)
        if section is None:
            await query.answer("这份文件已不在索引中。")
            return
        await query.answer()
        for html in section_messages(section):
            await query.message.reply_text(html, parse_mode=ParseMode.HTML)

    async def plan(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/plan [地区] [年份]: the year plan as a picture."""
        await self.typing(update, context)
        where = " ".join(context.args or [])[:100]
        entries, notes = await asyncio.to_thread(self.engine.plan_entries, where, True)
        chart = await asyncio.to_thread(render_chart, entries, self.engine.state.built.documents)
        if chart is None:
            await update.effective_message.reply_text(plain_message("\n".join(notes) or NO_CHART))
            return
        caption = "\n".join([f"{chart.rows} 项工作安排（{chart.documents} 份文件）；/ics 可导入日历。", *notes])
        if photo_fits(chart.width, chart.height):
            try:
                await update.effective_message.reply_photo(photo=chart.png,
                                                           caption=plain_message(caption, CAPTION_LIMIT))
                return
            except BadRequest as exc:   # refused all the same: the picture goes as a file
                log.warning("plan picture %sx%s refused as a photo: %s", chart.width, chart.height, exc)
        # too tall for a photo (many plans, many items): the same picture as a file, uncompressed
        await update.effective_message.reply_document(
            document=chart.png, filename="督导工作安排.png",
            caption=plain_message(f"图片较大（{chart.width}×{chart.height}），以文件发送；"
                                  f"/plan 地区 年份 可只看一份计划。\n{caption}", CAPTION_LIMIT))

    async def inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`@bot 问题` in any chat: the answer offered as one result to send there."""
        query = update.inline_query
        text = sanitize(query.query or "").strip()
        if not text:
            await query.answer([], cache_time=INLINE_CACHE)
            return
        answer = await asyncio.to_thread(self.engine.ask, text)
        messages = answer_messages(answer)
        body = messages[0] if len(messages) == 1 else messages[0] + INLINE_CUT
        if units(body) > LIMIT:
            body = messages[0]
        first = answer.answer.split("\n")[0]
        result = InlineQueryResultArticle(
            id=secrets.token_hex(8), title=clip(first, 60),
            description=clip(answer.citations[0].text, 100) if answer.citations else "",
            input_message_content=InputTextMessageContent(body, parse_mode=ParseMode.HTML,
                                                          link_preview_options=LinkPreviewOptions(is_disabled=True)))
        await query.answer([result], cache_time=INLINE_CACHE)

    async def unreadable(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self.addressed_to_me(update, context):
            await update.effective_message.reply_text(UNREADABLE)

    # -- admins ----------------------------------------------------------------------------
    async def _run_with_progress(self, message, fn, *args, markup=None, cancel: "_Change | None" = None):
        """Run a reindexing call off the event loop, editing `message` with its progress (and its
        取消 button); a set `cancel` stops it at its next step before the new index is written.
        The progress edits are finished before the caller writes the final report."""
        loop = asyncio.get_running_loop()
        last = [0.0, ""]
        edits = []

        def progress(stage, done, total):
            if cancel is not None:
                cancel.stage = stage
                if cancel.event.is_set() and stage in CANCELLABLE:
                    raise ChangeCancelledError()
            now = time.monotonic()
            text = progress_text(stage, done, total)
            if now - last[0] < PROGRESS_EVERY or text == last[1]:
                return   # an unchanged edit is refused by Telegram ("message is not modified")
            last[0], last[1] = now, text
            # past the last step a cancel can stop (writing the new index), the button goes
            shown = markup if stage in CANCELLABLE else None
            fut = asyncio.run_coroutine_threadsafe(message.edit_text(text, reply_markup=shown), loop)
            fut.add_done_callback(_log_failed_edit)
            edits.append(fut)

        try:
            return await asyncio.to_thread(fn, *args, progress)
        finally:
            if edits:
                await asyncio.gather(*(asyncio.wrap_future(f) for f in edits), return_exceptions=True)

    async def _admin_job(self, status, start_text: str, failed: str, fn, *args, on_error=None):
        """Run an admin change with progress and a 取消 button, after any change already running
        or waiting (the status message says it is queued); on failure or cancel say why in the
        status message and return None (the engine leaves files and index as they were)."""
        key = secrets.token_urlsafe(8)
        cancel = self.cancels[key] = _Change()
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("取消", callback_data=f"cancel:{key}")]])
        ahead = self.admin_pending
        self.admin_pending += 1
        try:
            queued = bool(ahead) or self.admin_lock.locked()
            await status.edit_text(plain_message(
                f"{start_text}\n已排队：前面还有 {max(ahead, 1)} 个管理任务，完成后自动开始。" if queued
                else start_text), reply_markup=markup)
            async with self.admin_lock:
                try:
                    if cancel.event.is_set():
                        raise ChangeCancelledError()
                    cancel.stage = STARTED
                    if queued:
                        await status.edit_text(plain_message(start_text), reply_markup=markup)
                    result = await self._run_with_progress(status, fn, *args, markup=markup, cancel=cancel)
                except EngineError as exc:
                    await status.edit_text(plain_message(f"{failed}：{error_text(exc)}"))
                    if on_error is not None:
                        await on_error(exc)
                    return None
                except OSError as exc:
                    log.exception("%s", failed)
                    await status.edit_text(plain_message(
                        f"{failed}（{exc.strerror or exc}），原有文件和索引保持不变。"))
                    return None
                self.more.clear()   # passages of the previous build are no longer served
                return result
        finally:
            self.admin_pending -= 1
            self.cancels.pop(key, None)

    async def cancel_change(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """取消 under an admin change's status: it stops at its next step, before the new index
        is written; a change already finished (or not found) is said to be."""
        query = update.callback_query
        change = self.cancels.get((query.data or "").partition(":")[2])
        if change is None or not self.is_admin(update):
            await query.answer("这个操作已结束或无权执行。")
            return
        if change.stage not in (QUEUED, STARTED, *CANCELLABLE):
            await query.answer("新索引正在写入，已无法取消。")
            return
        change.event.set()
        await query.answer("正在取消……" if change.stage != QUEUED else "已取消，轮到它时不会执行。")

    async def reindex(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self.refuse_non_admin(update):
            return
        start = "正在重建索引……"
        status = await update.effective_message.reply_text(start)
        report = await self._admin_job(status, start, "重建失败", self.engine.reindex)
        if report is None:
            return
        lines = reindex_lines(report)
        await status.edit_text(plain_lines(lines))

    async def remove(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self.refuse_non_admin(update):
            return
        if not context.args:
            await update.effective_message.reply_text("用法：/remove <文件编号>，文件编号见 /docs")
            return
        start = "正在移除并重建索引……"
        status = await update.effective_message.reply_text(start)
        moved = await self._admin_job(status, start, "未能移除", remove_file, self.engine,
                                      " ".join(context.args)[:1000])
        if moved is None:
            return
        await status.edit_text(f"已移除 {clip(moved.name, NAME_SHOWN)}（文件移到 corpus/.removed/，未删除），索引已更新。")

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self.refuse_non_admin(update):
            return
        built = self.engine.state.built
        m = built.manifest
        built_at = time.strftime("%Y-%m-%d %H:%M", time.localtime(m.built_at))
        uptime = (time.time() - self.started) / 3600
        await update.effective_message.reply_text(
            f"文件：{len(built.documents)} 份\n段落：{len(built.chunks)} 个\n日程：{len(built.schedule)} 条\n"
            f"索引：{built_at} 建成，用时 {m.seconds:.1f} 秒（嵌入模型 {m.embedder}）\n"
            f"自启动以来回答问题：{self.engine.questions_answered} 个（运行 {uptime:.1f} 小时）"
            + (self.reminders.stats_line() if self.reminders is not None else ""))

    async def upload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        if not self.addressed_to_me(update, context):
            return
        if await self.refuse_non_admin(update):
            return

        doc = msg.document
        name = doc.file_name or "未命名"
        shown = clip(name, NAME_SHOWN)   # a file name can be thousands of characters long
        try:
            check_upload(name, doc.file_size)
        except EngineError as exc:
            await msg.reply_text(plain_message(f"未添加 {shown}：{error_text(exc)}"))
            return
        start = f"收到 {shown}，正在下载和解析……"
        status = await msg.reply_text(start)
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / ("upload" + Path(name).suffix.lower())
            try:
                tg_file = await doc.get_file()
                await tg_file.download_to_drive(local)
            except TelegramError as exc:
                log.warning("download of %s failed: %s", shown, exc)
                await status.edit_text(plain_message(f"未添加 {shown}：下载文件失败，请重新发送。"))
                return
            result = await self._admin_job(status, start, f"未添加 {shown}", add_file, self.engine, local,
                                           name, on_error=lambda exc: self._offer_replace(msg, exc, local, name))
        if result is None:
            return
        await status.edit_text(self._added_text(result, shown))

    def _drop_stale_pending(self) -> None:
        """Uploads that waited for “替换?” when the bot last stopped can no longer be confirmed:
        they were never added, so removing them loses nothing (logged)."""
        pending = Path(self.engine.config.corpus_dir) / PENDING
        if pending.is_dir():
            stale = [p.name for p in pending.iterdir()]
            shutil.rmtree(pending, ignore_errors=True)
            log.info("dropped %d upload(s) left waiting for a replace decision: %s", len(stale), stale)

    async def _offer_replace(self, msg, exc, local: Path, name: str) -> None:
        """Another copy or version of an indexed circular: keep the file aside and let the admin
        choose whether it replaces the old one."""

        if not isinstance(exc, SameDocumentError):
            return
        pending = Path(self.engine.config.corpus_dir) / PENDING
        pending.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(8)
        shutil.copy(local, pending / f"{key}{local.suffix}")
        self.pending[key] = (msg.from_user.id if msg.from_user else None, name, local.suffix)
        await msg.reply_text(
            "要用新文件替换已收录的那份吗？",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("替换", callback_data=f"replace:{key}"),
                                                InlineKeyboardButton("不替换", callback_data=f"keep:{key}")]]))

    async def decide_replace(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The admin's answer to the replace question."""
        query = update.callback_query
        action, _, key = (query.data or "").partition(":")
        entry = self.pending.get(key)
        user = update.effective_user
        allowed = entry is not None and self.is_admin(update) and not (user and entry[0] not in (None, user.id))
        if allowed:
            # taken before any await: the second of two presses in one batch finds nothing
            self.pending.pop(key, None)
        else:
            await query.answer("这个操作已失效或无权执行。")
            return
        await query.answer()
        path = Path(self.engine.config.corpus_dir) / PENDING / f"{key}{entry[2]}"
        shown = clip(entry[1], NAME_SHOWN)
        try:
            if action == "keep" or query.message is None:
                if query.message is not None:
                    await query.message.edit_text(plain_message(f"已保留原文件，{shown} 未收录。"))
                return
            status = query.message
            start = f"正在用 {shown} 替换已收录的文件……"
            await status.edit_text(plain_message(start))
            result = await self._admin_job(status, start, f"未替换 {shown}", partial(add_file, replace=True),
                                           self.engine, path, entry[1])
            if result is not None:
                await status.edit_text(self._added_text(result, shown, replaced=True))
        finally:
            path.unlink(missing_ok=True)
            try:
                path.parent.rmdir()   # only when no other upload is waiting
            except OSError:
                pass

    @staticmethod
    def _added_text(result, shown: str, replaced: bool = False) -> str:
        return plain_lines(added_lines(result, shown, replaced))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling update %s", getattr(update, "update_id", None),
                  exc_info=context.error)
        if isinstance(context.error, BadRequest):
            # Telegram refused what we sent (a BadRequest is also a NetworkError): the connection
            # works, so the user is told rather than left with nothing
            text = "抱歉，Telegram 没有接受这条回复（内容过长或格式不符）。请把问题或范围缩小一些再试。"
        elif isinstance(context.error, (RetryAfter, TimedOut, NetworkError)):
            return  # the connection is what failed: a reply would fail too
        else:
            text = "抱歉，处理时出错了，请稍后再试。"
        if isinstance(update, Update) and update.effective_message:
            try:
                await update.effective_message.reply_text(text)
            except Exception:  # noqa: BLE001 - already in the error path; log and go on
                log.exception("could not tell the user about the error")


