"""督导助手 entry point: `python bot.py <command>` (see --help); without one, the Telegram bot.
The command line is retrieval/cli.py, the Telegram adapter the tgbot package."""
import sys

from retrieval.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
