# lapor-bridge: one image for the API (`lapor-bridge serve`) and the worker (`lapor-bridge worker`).

# --- build: wheels for the app and its dependencies ---
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip build
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# --- run: a small image with only what runs, as a non-root user ---
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    ATTACHMENT_DIR=/data/attachments \
    ENVIRONMENT=production
RUN groupadd --system lapor && useradd --system --gid lapor --home /srv/lapor --create-home lapor \
    && mkdir -p /data/attachments && chown -R lapor:lapor /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /srv/lapor
# Alembic runs from the project folder: the migrations and their config travel with the image.
COPY --chown=lapor:lapor alembic.ini ./
COPY --chown=lapor:lapor migrations ./migrations
USER lapor
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import os,urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"8000\")}/healthz', timeout=2)" || exit 1
CMD ["lapor-bridge", "serve", "--no-migrate"]
