"""Reminders in the chat: /subscribe, /unsubscribe, /subscriptions, and the JobQueue job that
sends what retrieval.reminders says is due (each once: claimed in SQLite before it is sent)."""
from __future__ import annotations

import asyncio
import logging
import re
import secrets
import sqlite3
from datetime import time, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from retrieval.reminders import due, nothing_ahead, reminder_answer, resolve_place, subscribable
from retrieval.subscriptions import DEFAULT_DAYS, MAX_DAYS, SubscriptionStore

from .format import answer_messages, plain_message

log = logging.getLogger("dudao.bot")

CATCH_UP = timedelta(days=35)   # how far back a restarted bot looks for reminders it still owes
NO = "-"   # the key of 不用了 under a subscription that would bring nothing
CONFIRM = "y"   # marks 仍要订阅, the answer to that note
RE_DAYS = re.compile(r"^(?:提前)?([0-9]{1,3})天?$")   # ASCII digits: int("²") raises
USAGE = (f"用法：/subscribe 地区 [提前天数]，例如 /subscribe 武胜 或 /subscribe 武胜 5。\n"
         f"每月第一个工作日早上发送当月工作安排；写明日期的事项提前几天提醒（默认 {DEFAULT_DAYS} 天）。")


class Reminders:
    """Subscriptions of the chats and the periodic check that sends their reminders."""

    def __init__(self, engine, digest_at: time):
        self.engine = engine
        self.store = SubscriptionStore(engine.config.index_dir)
        retried = self.store.release_claims()
        if retried:
            log.warning("%d reminder(s) claimed but not sent when the bot last stopped: sent at the next check", retried)
        self.digest_at = digest_at
        self.offered: dict[str, str] = {}   # button key → region offered by /subscribe

    def stats_line(self) -> str:
        chats, subs = self.store.counts()
        return f"\n订阅：{chats} 个会话，{subs} 个地区订阅；已发送提醒 {self.store.sent_count()} 条"

    # -- commands --------------------------------------------------------------------------
    async def subscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/subscribe [地区] [提前天数]; without a region, a button per region."""
        args = list(context.args or [])
        days = DEFAULT_DAYS
        if args and (m := RE_DAYS.match(args[-1])):
            days = int(m.group(1))
            args.pop()
            if days > MAX_DAYS:
                await update.effective_message.reply_text(f"提前天数请写 0–{MAX_DAYS}。")
                return
        if not args:
            await self._offer_regions(update, days)
            return
        place, why = await asyncio.to_thread(resolve_place, self.engine, " ".join(args)[:100])
        if place is None:
            await update.effective_message.reply_text(plain_message(why))
            return
        note = await asyncio.to_thread(nothing_ahead, self.engine, place, days, self.engine.now(), self.digest_at)
        if note:
            # nothing would be sent: said first, and subscribed only if the user still wants it
            key = self._offer(place)
            await update.effective_message.reply_text(plain_message(f"{note}\n仍要订阅吗？"), reply_markup=
                                                      InlineKeyboardMarkup([[
                                                          InlineKeyboardButton("仍要订阅", callback_data=f"sub:{key}:{days}:{CONFIRM}"),
                                                          InlineKeyboardButton("不用了", callback_data=f"sub:{NO}:0")]]))
            return
        await update.effective_message.reply_text(self._subscribed(update.effective_chat.id, place, days))

    def _offer(self, place: str) -> str:
        """A button key standing for `place` (button data is short and the client's to forge)."""
        key = secrets.token_urlsafe(6)
        self.offered[key] = place
        while len(self.offered) > 2000:   # buttons of long-past offers
            self.offered.pop(next(iter(self.offered)))
        return key

    async def _offer_regions(self, update: Update, days: int) -> None:
        regions = subscribable(self.engine)
        if not regions:
            await update.effective_message.reply_text("还没有收录任何工作要点，暂时无法订阅。")
            return
        rows = [[InlineKeyboardButton(place, callback_data=f"sub:{self._offer(place)}:{days}")] for place in regions]
        await update.effective_message.reply_text("请选择要订阅的地区（可多次订阅不同地区）：\n" + USAGE,
                                                  reply_markup=InlineKeyboardMarkup(rows))

    async def chosen(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A region button of /subscribe."""
        query = update.callback_query
        parts = (query.data or "").split(":")
        key, days = (parts[1], parts[2]) if len(parts) in (3, 4) else ("", "")
        confirmed = len(parts) == 4 and parts[3] == CONFIRM   # 仍要订阅 under the past-plans note
        if key == NO and query.message is not None:
            await query.answer()
            try:
                await query.message.edit_text("好的，没有订阅。")
            except BadRequest as exc:   # pressed twice: the text is already there
                log.info("不用了 pressed again: %s", exc)
            return
        place = self.offered.get(key)
        if place is None or query.message is None or not re.fullmatch(r"[0-9]{1,2}", days) \
                or int(days) > MAX_DAYS:   # button data is the client's to forge
            await query.answer("这个按钮已失效，请重新发送 /subscribe。")
            return
        await query.answer()
        note = await asyncio.to_thread(nothing_ahead, self.engine, place, int(days), self.engine.now(), self.digest_at)
        text = self._subscribed(query.message.chat.id, place, int(days)) + (f"\n注意：{note}" if note else "")
        if confirmed:
            # the question is answered: its buttons go, so 不用了 cannot be pressed after it
            await query.message.edit_text(text)
        else:
            await query.message.reply_text(text)

    def _subscribed(self, chat_id: int, place: str, days: int) -> str:
        try:
            new = self.store.subscribe(chat_id, place, days, self.engine.now())
        except sqlite3.OperationalError as exc:   # a full disk, a folder made read-only since start
            log.error("subscription of %s to %s not saved: %s", chat_id, place, exc)
            return "订阅没有保存：服务器磁盘已满或不可写，请告诉管理员后再试。"
        verb = "已订阅" if new else "已更新订阅"
        kept = "" if self.store.persistent else "\n（服务器暂时无法把订阅写入磁盘：机器人重启后需要重新订阅。）"
        return (f"{verb}{place}：每月第一个工作日 {self.digest_at:%H:%M} 发送当月工作安排，"
                f"写明日期的事项提前 {days} 天提醒。/subscriptions 查看，/unsubscribe 取消。{kept}")

    async def unsubscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/unsubscribe [地区]: one region, or all of the chat's subscriptions."""
        chat = update.effective_chat.id
        text = " ".join(context.args or [])[:100]
        if text:
            if text in {s.region for s in self.store.of_chat(chat)}:
                place, why = text, ""   # as stored: works after the place's circular left the index
            else:
                place, why = await asyncio.to_thread(resolve_place, self.engine, text)
            dropped = self.store.unsubscribe(chat, place) if place else 0
            reply = f"已取消订阅{place}。" if dropped else (why or f"没有订阅{place}。")
        else:
            dropped = self.store.unsubscribe(chat)
            reply = f"已取消全部 {dropped} 个订阅。" if dropped else "当前没有订阅。"
        await update.effective_message.reply_text(plain_message(reply))

    async def subscriptions(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        subs = self.store.of_chat(update.effective_chat.id)
        if not subs:
            await update.effective_message.reply_text("当前没有订阅。发送 /subscribe 地区 订阅每月工作安排和事项提醒。")
            return
        lines = [f"· {s.region}（提前 {s.days_before} 天提醒）" for s in subs]
        await update.effective_message.reply_text(plain_message("当前订阅：\n" + "\n".join(lines)))

    # -- the job -------------------------------------------------------------------------
    async def check(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send every reminder that is due; a chat that blocked the bot is unsubscribed, a failed
        send is retried at the next check."""
        now = self.engine.now()
        owed = await asyncio.to_thread(due, self.engine, self.store.all(), now, self.digest_at, CATCH_UP)
        blocked = set()
        for r in owed:
            if r.chat_id in blocked or not self.store.claim(r.key, r.chat_id, now):
                continue
            try:
                answer = await asyncio.to_thread(reminder_answer, self.engine, r)
                for html in answer_messages(answer):
                    await context.bot.send_message(r.chat_id, html, parse_mode=ParseMode.HTML,
                                                   disable_web_page_preview=True)
            except Forbidden as exc:
                blocked.add(r.chat_id)
                dropped = self.store.unsubscribe(r.chat_id)
                log.info("chat %s blocked the bot (%s): %d subscription(s) dropped", r.chat_id, exc, dropped)
            except TelegramError as exc:
                self.store.release(r.key)
                log.warning("reminder %s not sent, retried at the next check: %s", r.key, exc)
            except Exception:   # a reminder that cannot be written must not stop the others
                self.store.release(r.key)
                log.exception("reminder %s could not be prepared; retried at the next check", r.key)
            else:
                self.store.sent(r.key)
                log.info("reminder sent: %s", r.key)
