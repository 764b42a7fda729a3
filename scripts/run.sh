#!/usr/bin/env bash
# Start the web server and the background task worker together; stopping one (Ctrl-C) stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
PY=.venv/bin/python

$PY manage.py db_worker --queue-name default --interval 1 --no-startup-delay --no-reload &
worker=$!
trap 'kill $worker 2>/dev/null || true; wait $worker 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  营商通已启动:  http://$HOST:$PORT
  后台任务进程:  pid $worker(数据库任务队列)
  演示账号见上方列表;按 Ctrl-C 停止。

MSG
$PY manage.py runserver "$HOST:$PORT" --noreload
