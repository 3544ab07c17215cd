# Giveask: slim image, non-root user, `giveask serve` (which migrates first).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    GIVEASK_ENV=production \
    GIVEASK_HOST=0.0.0.0 \
    GIVEASK_PORT=8000

WORKDIR /srv/giveask
RUN useradd --create-home --uid 10001 giveask

# The same install step `make` uses (pip install of this project), without dev tools.
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
# The language catalogs are compiled first, so the install takes the .mo files along.
RUN python -m pip install --upgrade pip && python -m pip install "Babel>=2.14" \
    && pybabel compile -d app/locale && python -m pip install .

USER giveask
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os,urllib.request,sys; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"GIVEASK_PORT\",\"8000\")}/healthz', timeout=4); sys.exit(0)" || exit 1

CMD ["giveask", "serve", "--host", "0.0.0.0"]
