"""督导助手 entry point: CLI subcommands, or the Telegram bot when run without one."""
from __future__ import annotations

import sys

from retrieval.cli import main as cli_main

CLI_COMMANDS = {"reindex", "ask", "chat", "eval", "calendar", "-h", "--help"}


def main(argv: list[str]) -> int:
    if any(a in CLI_COMMANDS for a in argv[:2]):
        return cli_main(argv)
    from retrieval.telegram_app import run
    return run(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
