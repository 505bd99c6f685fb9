# The application image: gunicorn serving alter.wsgi, static files through WhiteNoise.
# Used by docker-compose.yml, which supplies PostgreSQL and the secrets.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=alter.settings \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app

# The eligibility checklist PDF (WeasyPrint): Pango, HarfBuzz's subsetter and the fonts it
# prints with, from Debian (the slim image has none of them).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies from pyproject.toml alone first, so that a code change reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
# Editable, so that BASE_DIR (templates/, static/, screening/locale/) stays /app rather than
# site-packages. The app runs unprivileged; it writes only collected static files.
RUN pip install --no-deps -e . \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin alter \
    && mkdir -p "$STATIC_ROOT" \
    && chown alter "$STATIC_ROOT"
USER alter

EXPOSE 8000
# Through sh, so a checkout that lost the executable bit still starts.
ENTRYPOINT ["sh", "/app/docker/entrypoint.sh"]
# Whole-trial XLSX exports of the screening log can take longer than the default 30 s.
CMD ["gunicorn", "alter.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
