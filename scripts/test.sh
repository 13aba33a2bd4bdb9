#!/usr/bin/env bash
# Run the whole test suite: migrations checked against the models, then every test on SQLite
# and on PostgreSQL (the local server on 127.0.0.1:5432, or TEST_POSTGRES_URL). The browser tests
# (Debian's Chromium, installed here when missing) run once, in the SQLite run; the app as it is
# deployed (gunicorn workers behind nginx with TLS, Redis) is tested on both databases.
# The tests run in one process per core, up to 4 (TEST_WORKERS=N sets it; 0 runs them in this
# process, e.g. to debug with --pdb), a test file to a process. Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

# System packages the tests use: Chromium (and a font to render with) for the browser tests,
# openssl for throwaway certificates, nginx as the TLS-terminating proxy of the deployed tests,
# and a Redis server when none answers (the shared rate-limit counters).
missing=""
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing="$missing chromium fonts-dejavu-core"
command -v openssl >/dev/null || missing="$missing openssl"
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
if [ -z "${TEST_REDIS_URL:-}" ] && ! command -v redis-server >/dev/null \
    && ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  missing="$missing redis-server"
fi
if [ -n "$missing" ]; then
  echo "==> installing$missing"
  # Debian starts a packaged service on install; the tests run their own nginx and Redis, so
  # none is started (policy-rc.d 101), unless the machine already has its own policy.
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    own_policy=1
  fi
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086  # one word per package
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
  [ -z "$own_policy" ] || $SUDO rm -f /usr/sbin/policy-rc.d
fi

source "$ROOT/scripts/_venv.sh" requirements-dev.txt
export EVENTNET_ENV=testing SECRET_KEY=schema-check

# Redis: TEST_REDIS_URL, else the local server's database 15, else one of our own for this run.
REDIS_PID=""
if [ -z "${TEST_REDIS_URL:-}" ]; then
  if (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
    export TEST_REDIS_URL="redis://127.0.0.1:6379/15"
  else
    REDIS_PORT="$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --daemonize no \
      --logfile /dev/null >/dev/null &
    REDIS_PID=$!
    export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
    for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$REDIS_PORT") 2>/dev/null && break; sleep 0.1; done
  fi
fi
cleanup() {
  [ -z "$REDIS_PID" ] || kill "$REDIS_PID" 2>/dev/null || true
  [ -z "${PG_URL:-}" ] || python scripts/pg_testdb.py drop "$PG_ADMIN_URL" "$PG_URL" || true
}
trap cleanup EXIT

echo "==> checking that the migrations match the models"
CHECK_DB="$(mktemp -d)/check.sqlite3"
DATABASE_URL="sqlite:///$CHECK_DB" flask db upgrade >/dev/null
DATABASE_URL="sqlite:///$CHECK_DB" flask db check

CORES="$(nproc)"
PARALLEL=(-n "${TEST_WORKERS:-$(( CORES < 4 ? CORES : 4 ))}" --dist loadfile)

status=0
PG_ADMIN_URL="${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
PG_UP=""
python scripts/pg_testdb.py ping "$PG_ADMIN_URL" && PG_UP=1
# The benchmarks run once, in this run, and take PostgreSQL along where they can.
[ -z "$PG_UP" ] || export TEST_POSTGRES_ADMIN_URL="$PG_ADMIN_URL"
# The modules that need PostgreSQL whatever the run (a database that stops answering, reads
# without a transaction) make one of their own in the SQLite run; with the PostgreSQL run to
# come, they run once, there.
SQLITE_ONLY=()
[ -z "$PG_UP" ] || SQLITE_ONLY=(--ignore=tests/test_database_outage.py --ignore=tests/test_read_only_pages.py)
echo "==> tests on SQLite"
python -m pytest "${PARALLEL[@]}" "${SQLITE_ONLY[@]}" "$@" || status=$?
unset TEST_POSTGRES_ADMIN_URL

if [ -n "$PG_UP" ]; then
  PG_URL="$(python scripts/pg_testdb.py create "$PG_ADMIN_URL")"
  echo "==> checking the migrations on PostgreSQL"
  DATABASE_URL="$PG_URL" flask db upgrade >/dev/null
  DATABASE_URL="$PG_URL" flask db check
  python scripts/pg_testdb.py reset "$PG_URL"
  echo "==> tests on PostgreSQL (the browser tests and benchmarks ran once, above)"
  TEST_DATABASE_URL="$PG_URL" python -m pytest "${PARALLEL[@]}" -m "not browser and not bench" "$@" || status=$?
elif [ "${REQUIRE_POSTGRES:-0}" = 1 ]; then
  echo "PostgreSQL is not reachable at $PG_ADMIN_URL, and REQUIRE_POSTGRES=1" >&2
  exit 1
else
  echo "==> PostgreSQL is not reachable at $PG_ADMIN_URL: the PostgreSQL run was NOT done" >&2
  echo "    (start one, or set TEST_POSTGRES_URL to an admin URL of a server you can use)" >&2
fi
exit $status
