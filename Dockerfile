# lapor-bridge: one image for the API (`lapor-bridge serve`) and the worker (`lapor-bridge worker`).
#
#   docker build -t lapor-bridge .
#   docker build --build-arg PYTHON_IMAGE=registry.example.id/library/python:3.11-slim -t lapor-bridge .
#
# PYTHON_IMAGE is the base of both stages: point it at a mirror where Docker Hub is out of reach.
ARG PYTHON_IMAGE=python:3.11-slim

# --- build: the app and its dependencies, installed into a virtual environment ---
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
RUN pip install --no-cache-dir --upgrade pip
# The locked versions first (requirements/prod.lock, from `make lock`), then the app on top of
# them without resolving anything again. The mock national LAPOR and its test tools are an extra
# that the image leaves out.
COPY requirements/prod.lock ./requirements/prod.lock
RUN pip install --no-cache-dir -r requirements/prod.lock
COPY pyproject.toml README.md ./
COPY app ./app
# pip and setuptools only build: the image runs without them.
RUN pip install --no-cache-dir --no-deps . \
    && pip uninstall --yes pip setuptools

# --- run: a small image with only what runs, as a non-root user ---
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    ATTACHMENT_DIR=/data/attachments \
    ENVIRONMENT=production
RUN groupadd --system lapor && useradd --system --gid lapor --home /srv/lapor --create-home lapor \
    && mkdir -p /data/attachments && chown -R lapor:lapor /data
# Only the virtual environment crosses over: no wheels, sources or build tools in this stage.
COPY --from=build /opt/venv /opt/venv
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
