# Sourced by run.sh and test.sh: a virtual environment in .venv with the pinned requirements,
# and the compiled message catalogs.
# Re-installs only when a requirements file changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${EVENTNET_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
REQS="$1"
if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating a virtual environment in $VENV"
  "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.eventnet-$(basename "$REQS").sha"
WANT="$(cat "$ROOT/requirements.txt" "$ROOT/$REQS" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "==> installing Python packages from $REQS"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/$REQS"
  echo "$WANT" > "$STAMP"
fi
# The message catalogs (.po, committed) compiled to the .mo files the app reads (not committed).
"$VENV/bin/python" "$ROOT/scripts/i18n.py" compile >/dev/null
export PATH="$VENV/bin:$PATH"
export FLASK_APP=wsgi
cd "$ROOT"
