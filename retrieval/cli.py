"""Command line: reindex, ask, chat, eval, calendar — the engine without Telegram."""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import date
from pathlib import Path

from .config import load_config
from .engine import Engine
from .errors import EngineError
from .reminders import resolve_place
from .render import CLI_HINTS, clip, explain_text, to_json, to_text
from .report import added_lines, docs_text, rejected_line, reindex_lines, stage_name
from .subscriptions import DEFAULT_DAYS, MAX_DAYS
from .textnorm import sanitize

log = logging.getLogger("dudao")


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("faiss.loader", "httpx", "jieba", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _progress_bar():
    """A tqdm bar per stage on stderr."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def update(stage: str, done: int, total: int):
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=max(total, 1), desc=stage_name(stage), unit="项",
                                     file=sys.stderr, leave=False)
        bar.total = max(total, 1)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()
    return update


def config_of(args):
    """The configuration, with the folders a command line named."""
    return load_config(index_dir=getattr(args, "index", None), corpus_dir=getattr(args, "corpus", None))


def make_engine(args) -> Engine:
    return Engine(config_of(args))


def open_engine(args) -> Engine:
    """Open the index, building it (with a progress bar) on first use or when it is damaged."""
    engine = make_engine(args)
    engine.open(progress=_progress_bar(), notify=lambda msg: print(msg, file=sys.stderr))
    if engine.last_report is not None:
        print_report(engine.last_report, file=sys.stderr)
    return engine


def print_report(report, file=sys.stdout) -> None:
    print("\n".join(reindex_lines(report)), file=file)


def cmd_reindex(args) -> int:
    engine = make_engine(args)
    report = engine.reindex(_progress_bar())
    print_report(report)
    return 0


def _text_streams() -> None:
    """Undecodable input becomes U+FFFD rather than an exception or a lone surrogate that
    cannot be printed back."""
    for stream in (sys.stdin, sys.stdout):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def cmd_ask(args) -> int:
    engine = open_engine(args)
    _text_streams()
    if args.question:
        # argv bytes that are not UTF-8 arrive as lone surrogates
        answer = engine.ask(sanitize(" ".join(args.question)))
        if args.json:
            print(json.dumps(to_json(answer), ensure_ascii=False))
        else:
            print(to_text(answer))
        if args.explain:
            print("\n—— 依据 ——\n" + explain_text(answer))
        return 0
    # batch mode: one question per line in, one JSON object per line out, one model load; a line
    # may be {"q": "…", "chat": "…"} so that follow-ups continue that conversation
    for line in sys.stdin:
        question, chat = batch_line(sanitize(line.strip()))
        if not question:
            continue
        try:
            row = to_json(engine.ask(question, chat=chat))
        except Exception as exc:  # noqa: BLE001 - one bad line must not lose the lines after it
            log.exception("question failed: %r", question)
            row = {"question": question, "error": f"回答这个问题时出错了（{type(exc).__name__}）"}
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return 0


def batch_line(line: str) -> tuple[str, str | None]:
    """(question, chat) of one batch line: plain text, or a JSON object {"q", "chat"}."""
    if line.startswith("{"):
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            return line, None
        if isinstance(row, dict) and isinstance(row.get("q"), str):
            chat = row.get("chat")
            return row["q"].strip(), None if chat is None else f"batch:{chat}"
    return line, None


def cmd_chat(args) -> int:
    engine = open_engine(args)
    _text_streams()
    print("督导助手（输入问题后回车；输入“退出”或按 Ctrl-D 结束）")
    while True:
        try:
            question = input("问：").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question in ("退出", "exit", "quit"):
            return 0
        if not question:
            continue
        print(to_text(engine.ask(sanitize(question), chat="terminal")))
        print()


def cmd_eval(args) -> int:
    from .evaluate import evaluate, format_report
    engine = open_engine(args)
    report = evaluate(engine, args.file)
    print(format_report(report, verbose=args.failures))
    return 0


def cmd_calendar(args) -> int:
    from .time_answers import calendar_table
    engine = open_engine(args)
    if not (args.ics or args.png):
        print(calendar_table(engine, region=args.region, month=args.month))
        return 0
    where = " ".join(x for x in (args.region or "", f"{args.year}年" if args.year else "") if x)
    for target, write in ((args.ics, _ics_file), (args.png, _png_file)):
        if target:
            data, notes, what = write(engine, where)
            code = _write_out(target, data, notes, what)
            if code:
                return code
    return 0


def _ics_file(engine: Engine, where: str) -> tuple[bytes | None, list[str], str]:
    from .ics import NO_DATED_PLAN, export
    out = export(engine, where)
    return out.data, out.notes or ([] if out.data else [NO_DATED_PLAN]), f"{out.events} 个日程（{out.documents} 份文件）"


def _png_file(engine: Engine, where: str) -> tuple[bytes | None, list[str], str]:
    from .planchart import NO_PLAN, render
    entries, notes = engine.plan_entries(where, one_year=True)
    chart = render(entries, engine.state.built.documents)
    if chart is None:
        return None, notes or [NO_PLAN], ""
    return chart.png, notes, f"{chart.rows} 项工作安排（{chart.documents} 份文件），{chart.width}×{chart.height} 像素"


def _write_out(target: str, data: bytes | None, notes: list[str], what: str) -> int:
    """Write an export of `calendar` (notes on stderr); 1 when the file cannot be written."""
    for note in notes:
        print(f"注：{note}", file=sys.stderr)
    if data is None:
        return 0
    try:
        Path(target).write_bytes(data)
    except OSError as exc:
        print(f"出错了：无法写入 {target}（{exc.strerror or exc}）", file=sys.stderr)
        return 1
    print(f"已写入 {target}：{what}")
    return 0


def cmd_reminders(args) -> int:
    """The reminders a subscription would receive in the 12 months from a date, per region."""
    from datetime import datetime, time as clock
    from zoneinfo import ZoneInfo

    from .reminders import nothing_ahead, planned, subscribable, year_after
    from .subscriptions import Subscription
    engine = open_engine(args)
    start = datetime.combine(args.start or engine.now().date(), clock(0), ZoneInfo(engine.config.timezone))
    end = year_after(start)
    places = [args.region] if args.region else subscribable(engine)
    total = [0, 0]
    for text in places:
        place, why = resolve_place(engine, text)
        if place is None:
            print(why, file=sys.stderr)
            return 1
        out = planned(engine, Subscription(0, place, args.days, start), start, end, engine.config.digest_time)
        digests = [r for r in out if r.kind == "digest"]
        total[0] += len(digests)
        total[1] += len(out) - len(digests)
        print(f"{place}：{len(digests)} 次月度安排，{len(out) - len(digests)} 次事项提醒（提前 {args.days} 天）")
        if not out:
            print("  " + nothing_ahead(engine, place, args.days, start, engine.config.digest_time))
        for r in out:
            what = f"{r.year}年{r.month}月工作安排" if r.kind == "digest" else \
                f"{r.target:%m-%d} {clip(r.entry.when_text + ' ' + r.entry.activity, 60)}"
            print(f"  {r.at:%Y-%m-%d %H:%M}  {what}")
    print(f"共计：{total[0]} 次月度安排，{total[1]} 次事项提醒（{start:%Y-%m-%d} 起 12 个月）")
    return 0


def cmd_docs(args) -> int:
    """The indexed circulars, as the admin chat's /docs lists them."""
    print(docs_text(open_engine(args).documents()))
    return 0


def cmd_add(args) -> int:
    """Add a circular the way an admin's upload does: checked, deduplicated, reindexed."""
    from .corpus import add_file
    engine = open_engine(args)
    result = add_file(engine, Path(args.file), Path(args.file).name, _progress_bar(), replace=args.replace)
    lines = added_lines(result, args.file, replaced=args.replace)
    lines += [rejected_line(name, reason) for name, reason in (engine.last_report.rejected if engine.last_report else [])]
    print("\n".join(lines))
    return 0


def cmd_remove(args) -> int:
    from .corpus import remove_file
    engine = open_engine(args)
    moved = remove_file(engine, args.name, _progress_bar())
    print(f"已移除 {args.name}（文件移到 {moved.parent.name}/，未删除），索引已更新。")
    return 0


def cmd_serve(args) -> int:
    # imported here: python-telegram-bot is not needed (nor loaded) to answer from the terminal
    from tgbot.app import serve
    return serve(config_of(args), lambda: open_engine(args), webhook=args.webhook)


def _days(raw: str) -> int:
    if not raw.isdigit() or int(raw) > MAX_DAYS:
        raise argparse.ArgumentTypeError(f"应是 0–{MAX_DAYS} 的整数")
    return int(raw)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bot.py", description="督导助手：教育督导工作要点问答",
        epilog="不带子命令运行（python bot.py [-v]）等于 serve：启动 Telegram 机器人（长轮询；"
               "serve --webhook 改用 webhook，需 WEBHOOK_URL、WEBHOOK_SECRET）。配置见 README 的环境变量表。")
    p.add_argument("-v", "--verbose", action="store_true", help="输出运行日志")
    sub = p.add_subparsers(dest="command")

    def command(name: str, help: str, func):
        """A subcommand with the --index and --corpus options every command shares."""
        sp = sub.add_parser(name, help=help)
        sp.add_argument("--index", help="索引目录（默认 index/）")
        sp.add_argument("--corpus", help="文件目录（默认 corpus/）")
        sp.set_defaults(func=func)
        return sp

    sp = command("serve", "启动 Telegram 机器人（默认长轮询；需 TELEGRAM_BOT_TOKEN）", cmd_serve)
    sp.add_argument("--webhook", action="store_true",
                    help="用 webhook 代替长轮询（需 WEBHOOK_URL、WEBHOOK_SECRET、WEBHOOK_PORT）")
    command("reindex", "从 corpus/ 重建索引", cmd_reindex)
    sp = command("ask", "提问；不带问题时从标准输入逐行读取，逐行输出 JSON", cmd_ask)
    sp.add_argument("question", nargs="*")
    sp.add_argument("--json", action="store_true", help="输出 JSON")
    sp.add_argument("--explain", action="store_true",
                    help="回答之后列出依据：意图与把握、检索范围及原因、最佳段落及得分、拒答的理由")
    command("chat", "在终端里对话", cmd_chat)
    sp = command("eval", "用问题集评测回答质量", cmd_eval)
    sp.add_argument("file")
    sp.add_argument("--verbose", dest="failures", action="store_true", help="列出未通过的问题（与全局 -v 的运行日志无关）")
    sp = command("calendar", "列出解析出的年度工作日程", cmd_calendar)
    sp.add_argument("--region", help="地区（县区、城市或省，如“武胜”“广安”）")
    sp.add_argument("--month", type=int)
    sp.add_argument("--year", type=int, help="年份（与 --ics 一起用；默认各地最近的工作要点）")
    sp.add_argument("--ics", metavar="FILE", help="导出为 iCalendar 日历文件（.ics），可导入手机或电脑日历")
    sp.add_argument("--png", metavar="FILE", help="画成年度工作安排图（PNG）")
    sp = command("reminders", "订阅某地后 12 个月内会收到的提醒（月度安排和事项提醒）", cmd_reminders)
    sp.add_argument("--region", help="地区（默认每个有工作要点的地区）")
    sp.add_argument("--days", type=_days, default=DEFAULT_DAYS, metavar="N",
                    help=f"写明日期的事项提前几天提醒（0–{MAX_DAYS}，默认 {DEFAULT_DAYS}）")
    sp.add_argument("--from", dest="start", type=date.fromisoformat, metavar="YYYY-MM-DD",
                    help="从哪天起算（默认今天）")
    command("docs", "列出已收录的文件（与机器人 /docs 相同）", cmd_docs)
    sp = command("add", "添加一份文件到 corpus/ 并更新索引（与管理员上传相同的检查）", cmd_add)
    sp.add_argument("file")
    sp.add_argument("--replace", action="store_true", help="文号或标题相同的旧文件移到 .removed/，用新文件替换")
    sp = command("remove", "把一份文件移到 corpus/.removed/ 并更新索引", cmd_remove)
    sp.add_argument("name", help="文件编号或文件名（见 docs 命令）")
    p.commands = frozenset(sub.choices)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; without one, serve the bot (`python bot.py`, `python bot.py -v`)."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not set(argv) & (parser.commands | {"-h", "--help"}):
        glob = [a for a in argv if a in ("-v", "--verbose")]
        argv = [*glob, "serve", *(a for a in argv if a not in glob)]
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    started = time.perf_counter()
    try:
        return args.func(args)
    except EngineError as exc:
        log.info("command failed after %.1fs", time.perf_counter() - started, exc_info=True)
        print(f"出错了：{exc}{CLI_HINTS.get(exc.hint, '')}", file=sys.stderr)
        return 1   # 2 is argparse's, for a command line it could not read
    except KeyboardInterrupt:
        # a change stopped before its new index is written leaves files and index as they were
        changing = args.func in (cmd_add, cmd_remove, cmd_reindex)
        print("已中断" + ("：原有文件和索引保持不变。" if changing else "。"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
