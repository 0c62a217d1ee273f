FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock pyproject.toml README.md alembic.ini ./
COPY src ./src
COPY migrations ./migrations
COPY search ./search
COPY templates ./templates
RUN pip install --no-cache-dir --require-hashes -r requirements.lock && pip install --no-cache-dir --no-deps -e . && useradd --create-home expertnet && mkdir -p /data && chown expertnet /data
USER expertnet
# The image runs in production: the app refuses to start without a strong EXPERTNET_SECRET_KEY,
# and demo data refuses to load. `docker run -e EXPERTNET_SECRET_KEY=... -e EXPERTNET_DATABASE_URL=...`.
ENV EXPERTNET_DATA_DIR=/data EXPERTNET_ENV=production
EXPOSE 8000
CMD ["sh", "-c", ": \"${EXPERTNET_SECRET_KEY:?set EXPERTNET_SECRET_KEY to 32+ random bytes}\" && exec uvicorn expertnet.app:create_app --factory --host 0.0.0.0 --port 8000"]
