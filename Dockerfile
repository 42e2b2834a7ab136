# syntax=docker/dockerfile:1
# 整改通 image: one image for web (gunicorn), Celery worker, Celery beat and migrations.
# Built once with network access; the result runs offline (static files are inside, no CDN).

# --- front-end packages from npm (package.json / package-lock.json, pinned) -------------------
FROM node:22-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
# Keep only the folders settings.STATICFILES_DIRS serves as static/vendor/<name>/ (the same list:
# tests/deploy/test_dockerfile.py compares them).
RUN set -eu; mkdir /vendor; \
    for dir in bootstrap/dist bootstrap-icons/font echarts/dist; do \
        mkdir -p "/vendor/$(dirname "$dir")"; cp -a "node_modules/$dir" "/vendor/$dir"; \
    done

# --- source with compiled translations (msgfmt is only needed here) ----------------------------
FROM python:3.11-slim AS source
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN find . -name '*.po' -path '*/locale/*' -print0 \
    | xargs -0 -r -n1 sh -c 'msgfmt --check-format -o "${0%.po}.mo" "$0"'

# --- runtime -----------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=courtreform.settings \
    EVIDENCE_ROOT=/data/evidence
WORKDIR /app

# WeasyPrint (bulletin PDFs) lays text out with pango; the Noto CJK fonts stand in for the official ones.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first (pyproject.toml declares no importable packages: `pip install .` installs
# the dependencies; the code runs from /app).
COPY pyproject.toml ./
RUN pip install .

# openssl: deploy/tls-init.sh, the compose "tls" service, checks the certificate or makes a
# self-signed one (it is already in the slim image through ca-certificates; say so explicitly).
# postgresql-client (15 in Debian bookworm, like the postgres:15 service): pg_dump, pg_restore and
# psql for the backup and `python scripts/backup_check.py` (README, 备份与恢复).
RUN apt-get update && apt-get install -y --no-install-recommends openssl postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# Non-root. Evidence lives in a volume mounted at $EVIDENCE_ROOT, created here so that a fresh
# named volume inherits the app user's ownership; var/ (collected static files) is the app's too.
# The code itself stays root's: the app user cannot change it.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /data/evidence /app/var \
    && chown app:app /data/evidence /app/var

COPY --from=assets /vendor/ ./node_modules/
COPY --from=source /src/ ./
USER app

# Static files are collected into the image (var/staticfiles) and served by WhiteNoise; under
# docker-compose the "static" volume is mounted there and nginx serves it (the migrate service
# refreshes it with collectstatic on every upgrade, as the app user). Collected as the app user,
# so no `chown -R` layer doubles them. The SECRET_KEY here exists only for this command and is
# not kept in the image.
RUN SECRET_KEY=build-time-only-not-a-secret python manage.py collectstatic --noinput -v 0

EXPOSE 8000
CMD ["gunicorn", "courtreform.wsgi", "-b", "0.0.0.0:8000", "-w", "2"]
