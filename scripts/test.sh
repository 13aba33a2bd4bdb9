#!/usr/bin/env bash
# Run the whole test suite: migrations checked against the models, then every test on SQLite
# and on PostgreSQL (the local server on 127.0.0.1:5432, or TEST_POSTGRES_URL), browser tests
# included (Debian's Chromium, installed here when missing). Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

# System packages the tests use: Chromium (and a font to render with) for the browser tests,
# openssl for the throwaway certificates of the SMTP TLS tests.
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ] || ! command -v openssl >/dev/null; then
  echo "==> installing Chromium, a font and openssl for the browser and TLS tests"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core openssl >/dev/null
fi

source "$ROOT/scripts/_venv.sh" requirements-dev.txt
export EVENTNET_ENV=testing SECRET_KEY=schema-check

echo "==> checking that the migrations match the models"
CHECK_DB="$(mktemp -d)/check.sqlite3"
DATABASE_URL="sqlite:///$CHECK_DB" flask db upgrade >/dev/null
DATABASE_URL="sqlite:///$CHECK_DB" flask db check

status=0
echo "==> tests on SQLite"
python -m pytest "$@" || status=$?

PG_ADMIN_URL="${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
if python scripts/pg_testdb.py ping "$PG_ADMIN_URL"; then
  PG_URL="$(python scripts/pg_testdb.py create "$PG_ADMIN_URL")"
  trap 'python scripts/pg_testdb.py drop "$PG_ADMIN_URL" "$PG_URL" || true' EXIT
  echo "==> checking the migrations on PostgreSQL"
  DATABASE_URL="$PG_URL" flask db upgrade >/dev/null
  DATABASE_URL="$PG_URL" flask db check
  python scripts/pg_testdb.py reset "$PG_URL"
  echo "==> tests on PostgreSQL"
  TEST_DATABASE_URL="$PG_URL" python -m pytest "$@" || status=$?
elif [ "${REQUIRE_POSTGRES:-0}" = 1 ]; then
  echo "PostgreSQL is not reachable at $PG_ADMIN_URL, and REQUIRE_POSTGRES=1" >&2
  exit 1
else
  echo "==> PostgreSQL is not reachable at $PG_ADMIN_URL: the PostgreSQL run was NOT done" >&2
  echo "    (start one, or set TEST_POSTGRES_URL to an admin URL of a server you can use)" >&2
fi
exit $status
