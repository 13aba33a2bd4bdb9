#!/usr/bin/env bash
# Set up and start eventnet locally: SQLite under instance/, the browser mailbox, a demo event.
# Usage: scripts/run.sh            (then open the login URL it prints)
#        HOST=0.0.0.0 scripts/run.sh   to reach it from a phone on the same network
set -euo pipefail
source "$(dirname "$0")/_venv.sh" requirements.txt

export EVENTNET_ENV="${EVENTNET_ENV:-development}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-5000}"
export BASE_URL="${BASE_URL:-http://127.0.0.1:$PORT}"
mkdir -p instance
# A stable local secret, so that logins survive a restart of the dev server.
if [ -z "${SECRET_KEY:-}" ]; then
  [ -s instance/secret_key ] || python -c 'import secrets; print(secrets.token_hex(32))' > instance/secret_key
  export SECRET_KEY="$(cat instance/secret_key)"
fi

echo "==> bringing the database to the latest schema"
flask db upgrade
echo "==> the demo event"
flask demo seed

echo "==> starting the mail sender and the app on $BASE_URL (Ctrl-C stops both)"
flask mail worker &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
flask run --host "$HOST" --port "$PORT"
