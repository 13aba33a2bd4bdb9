#!/usr/bin/env bash
# Set up and start eventnet locally: SQLite under instance/, the browser mailbox, a demo event.
# Usage: scripts/run.sh            (then open the login URL it prints)
#        HOST=0.0.0.0 BASE_URL=http://<this-computer's-ip>:5000 scripts/run.sh
#                                  to reach it from a phone on the same network (open the
#                                  mailbox there with the address ending in ?key= it prints)
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

# The development mailbox holds every login link: it answers this computer, and other devices
# only with this key (new at each start unless MAILBOX_KEY is set).
if [ -z "${SMTP_URL:-}" ]; then
  export MAILBOX_KEY="${MAILBOX_KEY:-$(python -c 'import secrets; print(secrets.token_urlsafe(24))')}"
fi

echo "==> bringing the database to the latest schema"
flask db upgrade
echo "==> the demo event"
flask demo seed

echo "==> starting the mail sender and the app on $BASE_URL (Ctrl-C stops both)"
if [ -z "${SMTP_URL:-}" ]; then
  echo "    development mailbox: http://127.0.0.1:$PORT/dev/mail/ on this computer;"
  echo "    on another device (a phone): $BASE_URL/dev/mail/?key=$MAILBOX_KEY"
fi
flask mail worker &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
flask run --host "$HOST" --port "$PORT"
