# syntax=docker/dockerfile:1
# One image for every Paperclip process: `worker`, `api`, `ui`, or `cli <paperclip command>`
# (docker/entrypoint.sh). Targets:
#   paperclip (the default, last below): Python, git and bubblewrap; model and HTTP agents.
#   agents: the same plus Node.js and the coding CLIs that CLI agents run, at the versions the
#           contract tests check (tests/cli_contract/npm.py); for workers that run CLI agents.
# Build: docker build -t paperclip .   /   docker build --target agents -t paperclip-agents .

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------- build: the project's wheel
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/paperclip
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY paperclip ./paperclip
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY api ./api
COPY ui ./ui
COPY cli ./cli
# Extras: `otel` (OpenTelemetry's SDK and OTLP exporter, so tracing is a setting away) and `s3`
# (boto3, for the S3-compatible attachments backend a cluster uses: PAPERCLIP_ATTACHMENTS_BACKEND=s3).
RUN /opt/paperclip/bin/pip install --no-compile ".[otel,s3]" \
    && /opt/paperclip/bin/python -m compileall -q /opt/paperclip/lib

# ---------------------------------------------------------------- runtime: what every role needs
FROM ${PYTHON_IMAGE} AS runtime
# git: workspaces (clones, worktrees); bubblewrap: the sandbox tools and CLI agents run in;
# tini: PID 1 that passes signals on and reaps an agent's orphaned processes; postgresql-client:
# pg_dump and pg_restore, with which `paperclip backup` copies a store on PostgreSQL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git bubblewrap tini ca-certificates postgresql-client \
    && rm -rf /var/lib/apt/lists/*
# A numeric user, so Kubernetes' runAsNonRoot can check it; the home folder is its own, and so are
# the backups' and the attachments' folders (a fresh volume mounted there takes its owner from the
# image: docker-compose.yml mounts one on each).
RUN groupadd --gid 10001 paperclip \
    && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/paperclip --shell /usr/sbin/nologin paperclip \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/paperclip /var/lib/paperclip/attachments /var/backups/paperclip
COPY --from=build /opt/paperclip /opt/paperclip
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/paperclip-entrypoint
ENV PATH=/opt/paperclip/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PAPERCLIP_HOME=/var/lib/paperclip \
    PAPERCLIP_HOST=0.0.0.0
WORKDIR /var/lib/paperclip
USER 10001:10001
EXPOSE 8000 8501 9464
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/paperclip-entrypoint"]
CMD ["cli", "--help"]

# ---------------------------------------------------------------- agents: + Node and the coding CLIs
FROM runtime AS agents
ARG CLAUDE_CODE_VERSION=2.1.197
ARG CODEX_VERSION=0.171.0
ARG OPENCODE_VERSION=1.18.33
ARG GEMINI_CLI_VERSION=0.61.0
USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && npm install --global --no-fund --no-audit \
        "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}" \
        "@openai/codex@${CODEX_VERSION}" \
        "opencode-ai@${OPENCODE_VERSION}" \
        "@google/gemini-cli@${GEMINI_CLI_VERSION}" \
    && npm cache clean --force \
    && rm -rf /var/lib/apt/lists/*
USER 10001:10001

# ---------------------------------------------------------------- the default target
FROM runtime AS paperclip
