#!/usr/bin/env bash
# One entry point: sets up .venv from requirements.txt (only when it changed), then
#   bash run.sh test [pytest args]   runs the test suite
#   bash run.sh <bot.py args>        runs the bot / CLI (ask, chat, reindex, eval, calendar)
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat .venv/.requirements.sha 2>/dev/null)" != "$want" ]; then
  echo "安装依赖（首次约需 1 分钟）……" >&2
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt >&2
  echo "$want" > .venv/.requirements.sha
fi
if [ "${1:-}" = "test" ]; then
  shift
  exec .venv/bin/python -m pytest -q "$@"
fi
exec .venv/bin/python bot.py "$@"
