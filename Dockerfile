# The policing-kg API for deployment beside Neo4j 5 (see docker-compose.yml).
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    KG_DATA_DIR=/data \
    KG_CORPUS_DIR=/app/corpus \
    KG_GRAPH__QUERIES_DIR=/app/cypher \
    KG_API__HOST=0.0.0.0

WORKDIR /app

# torch first, as a CPU build: the default wheel carries several GB of CUDA libraries.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install torch==2.13.0 --index-url "${TORCH_INDEX_URL}"

COPY pyproject.toml README.md ./
COPY kg kg
COPY indexer indexer
COPY api api
COPY graph graph
RUN pip install .

COPY cypher cypher
COPY corpus corpus

RUN useradd --system --home /data kg && mkdir -p /data && chown kg /data
USER kg
VOLUME ["/data"]
EXPOSE 8000

# Ready: the index is built, the graph store answers a query and the model is loaded.
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=30 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=4)"

# Index the corpus (incremental: seconds when nothing changed), then serve. Exit code 3 means
# some files could not be read and the rest were indexed: serve those.
CMD ["sh", "-c", "kg index --no-progress; code=$?; [ $code -eq 0 ] || [ $code -eq 3 ] || exit $code; exec kg serve"]
