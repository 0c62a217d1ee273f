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
ENV EXPERTNET_DATA_DIR=/data
EXPOSE 8000
CMD ["uvicorn", "expertnet.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000"]
