"""The Telegram side's assembly: the Application with its handlers and jobs, the token kept out of
logs, and `serve` (long polling or webhook) for the CLI."""
from __future__ import annotations

import logging
import re
import sys
import traceback

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (AIORateLimiter, ApplicationBuilder, CallbackQueryHandler, CommandHandler,
                          InlineQueryHandler, MessageHandler, TypeHandler, filters)

from retrieval.config import Config

from .handlers import COMMANDS, DudaoBot
from .ratelimit import UserRateLimit
from .reminders import Reminders

log = logging.getLogger("dudao.bot")

NO_TOKEN_HELP = """没有设置 TELEGRAM_BOT_TOKEN，机器人无法连接 Telegram。

获取令牌：
  1. 在 Telegram 里找 @BotFather，发送 /newbot，按提示起名；
  2. BotFather 会回复一串令牌，形如 123456789:AA…；
  3. 写进项目根目录的 .env 文件：TELEGRAM_BOT_TOKEN=123456789:AA…
     （管理员的用户 ID 写在 ADMIN_IDS=…，多个用逗号分隔）
  4. 再次运行 python bot.py

不连 Telegram 也可以直接在终端里提问：
  python bot.py chat
  python bot.py ask "四月做什么"
"""

class TokenFilter(logging.Filter):
    """Keeps the bot token out of every log line, whatever library wrote it: the message, its
    arguments, a formatted exception (request URLs carry the token) and the stack."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token
        # the secret half alone is enough to take the bot over
        self.secrets = [s for s in (token, token.partition(":")[2]) if len(s) >= 8]

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<TOKEN>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            msg = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: keep what can be shown
            msg = f"{record.msg} {record.args}"
        record.msg, record.args = self.mask(msg), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
            record.exc_info = None   # the formatter uses exc_text, never the raw exception again
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def mask_uncaught(token_filter: TokenFilter) -> None:
    """Tracebacks that reach the interpreter (not the log) are masked too."""

    def hook(kind, value, tb):
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(token_filter.mask(text))
    sys.excepthook = hook


def check_api_base(url: str) -> str:
    """Why TELEGRAM_API_BASE_URL cannot work, or "" (the token is appended to it, so it must
    end in /bot or hold {token})."""
    if not url:
        return ""
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", url):
        return "TELEGRAM_API_BASE_URL 不是有效的网址，应形如 http://127.0.0.1:8081/bot"
    if "{token}" not in url and not url.rstrip("/").endswith("/bot"):
        return "TELEGRAM_API_BASE_URL 应以 /bot 结尾，例如 http://127.0.0.1:8081/bot（令牌会接在它后面）"
    return ""


def file_base_url(api_base: str) -> str:
    """The local Bot API server serves files under /file/bot next to /bot."""
    if "{token}" in api_base:
        return api_base.replace("/bot{token}", "/file/bot{token}")
    base = api_base.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


def make_rate_limiter():
    """Telegram's 30 messages/s limit for replies; typing indicators are not replies and must
    not queue behind them (with them counted, 100 questions at once took twice as long)."""

    class ReplyRateLimiter(AIORateLimiter):
        async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
            if endpoint == "sendChatAction":
                return await callback(*args, **kwargs)
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)

    return ReplyRateLimiter(max_retries=3)


def build_application(cfg: Config, engine):
    """The python-telegram-bot Application with every handler registered."""
    bot = DudaoBot(engine, cfg.admin_ids, UserRateLimit(cfg.rate_burst, cfg.rate_seconds))
    bot.reminders = reminders = Reminders(engine, cfg.digest_time)

    async def post_init(app):
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])

    builder = (ApplicationBuilder().token(cfg.telegram_token).concurrent_updates(True)
               .rate_limiter(make_rate_limiter()).post_init(post_init)
               .connect_timeout(10).read_timeout(30).write_timeout(30))
    if cfg.api_base_url:
        builder = builder.base_url(cfg.api_base_url).base_file_url(file_base_url(cfg.api_base_url))
    app = builder.build()
    app.add_handler(TypeHandler(Update, bot.throttle), group=-1)   # before every other handler
    app.add_handler(CommandHandler(["start", "help"], bot.start))
    app.add_handler(CommandHandler("month", bot.month))
    app.add_handler(CommandHandler("docs", bot.docs))
    app.add_handler(CommandHandler("ics", bot.ics))
    app.add_handler(CommandHandler("doc", bot.doc))
    app.add_handler(CommandHandler("plan", bot.plan))
    app.add_handler(CommandHandler("subscribe", reminders.subscribe))
    app.add_handler(CommandHandler("unsubscribe", reminders.unsubscribe))
    app.add_handler(CommandHandler("subscriptions", reminders.subscriptions))
    app.add_handler(CommandHandler("reindex", bot.reindex))
    app.add_handler(CommandHandler("remove", bot.remove))
    app.add_handler(CommandHandler("stats", bot.stats))
    app.add_handler(CallbackQueryHandler(bot.show_more, pattern=r"^more:"))
    app.add_handler(CallbackQueryHandler(bot.show_section, pattern=r"^sec:"))
    app.add_handler(CallbackQueryHandler(reminders.chosen, pattern=r"^sub:"))
    app.add_handler(InlineQueryHandler(bot.inline))
    app.add_handler(CallbackQueryHandler(bot.decide_replace, pattern=r"^(replace|keep):"))
    app.add_handler(CallbackQueryHandler(bot.cancel_change, pattern=r"^cancel:"))
    app.add_handler(MessageHandler(filters.Document.ALL, bot.upload))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, bot.question))
    app.add_handler(MessageHandler(~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                                   bot.unreadable))
    app.add_error_handler(bot.on_error)
    app.job_queue.run_repeating(reminders.check, interval=cfg.reminder_check, first=min(cfg.reminder_check, 5.0),
                                name="reminders")
    return app


def serve(cfg: Config, open_engine, webhook: bool = False) -> int:
    """Serve Telegram until stopped (long polling, or a webhook); 1 when the configuration or
    the connection cannot work, said in Chinese on stderr."""
    if not cfg.telegram_token:
        print(NO_TOKEN_HELP, file=sys.stderr)
        return 1
    bad_url = check_api_base(cfg.api_base_url)
    if bad_url:
        print(bad_url, file=sys.stderr)
        return 1
    if webhook and cfg.webhook_secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", cfg.webhook_secret):
        # Telegram refuses any other secret, and the refusal read like a network failure
        print("WEBHOOK_SECRET 只能由 1–256 个英文字母、数字、下划线或连字符组成。", file=sys.stderr)
        return 1
    if webhook and not (cfg.webhook_url and cfg.webhook_secret):
        print("webhook 模式需要设置 WEBHOOK_URL（公网 HTTPS 地址）和 WEBHOOK_SECRET（校验用的密钥）",
              file=sys.stderr)
        return 1
    token_filter = TokenFilter(cfg.telegram_token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(token_filter)
    mask_uncaught(token_filter)
    logging.getLogger("dudao").setLevel(logging.INFO)
    engine = open_engine()
    app = build_application(cfg, engine)
    log.info("bot starting (%s, %d documents)", "webhook" if webhook else "polling", len(engine.documents()))
    try:
        if webhook:
            app.run_webhook(listen=cfg.webhook_listen, port=cfg.webhook_port, url_path="telegram",
                            webhook_url=cfg.webhook_url.rstrip("/") + "/telegram",
                            secret_token=cfg.webhook_secret, allowed_updates=Update.ALL_TYPES)
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken as exc:   # its message holds the token: never print it
        log.debug("startup refused: %s", token_filter.mask(str(exc)))
        print("Telegram 拒绝了机器人令牌（TELEGRAM_BOT_TOKEN），或 TELEGRAM_API_BASE_URL 指向的不是 Bot API。"
              "请向 @BotFather 核对令牌，并检查 TELEGRAM_API_BASE_URL（应以 /bot 结尾）。", file=sys.stderr)
        return 1
    except NetworkError as exc:
        print(f"无法连接 Telegram（{token_filter.mask(str(exc))}）；请检查网络和 TELEGRAM_API_BASE_URL。",
              file=sys.stderr)
        return 1
    return 0
