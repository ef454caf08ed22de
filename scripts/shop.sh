#!/usr/bin/env bash
# Starts the shop: an embedded PostgreSQL when DATABASE_URL is unset, migrations, demo data on first run,
# then prints the URLs, the publishable key and the admin login.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e .
exec .venv/bin/euryale develop "$@"
