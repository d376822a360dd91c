# The API image: migrations are applied at start, then uvicorn serves (same command as `make run`).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# DejaVu Sans has every Vietnamese letter; labels fall back to ASCII-folded text without it.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY ledger ledger
COPY traceability traceability
COPY api api
COPY cli cli
COPY seeds seeds
RUN pip install --no-cache-dir .
RUN useradd --create-home cashew && mkdir -p /app/data && chown cashew /app/data
USER cashew
EXPOSE 8000
CMD ["cashew", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
