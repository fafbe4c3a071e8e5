"""The write path's Cypher: every statement that writes the graph or manages its schema.

The read queries live in cypher/, one per file; these live here, one named constant each (or,
where a label or relationship type must vary, one function that puts it in through
quote_name), each with a comment in the form of a cypher/ header: what it does, its
parameters, what it returns. Values always travel as parameters. The loader's statements run
on both stores; the schema statements differ by store (a section each below). Every statement
here is linted with Neo4j's grammar by the tests (tests/test_write_statements.py).
"""

from __future__ import annotations

from graph.model import ID_PROPERTY, NODE_LABELS, quote_name

# --- the loader (graph/load.py), both stores -------------------------------------------------

# Entity properties the loader sets besides id, name and aliases (null where the data has none).
ENTITY_PROPERTIES = (
    "surname",
    "givenName",
    "ranks",
    "ranksAsWritten",
    "rankHistory",
    "rankAsOf",
    "rankDocIds",
    "suffix",
    "owner",
    "frequency",
    "kind",
    "number",
    "docIds",
)
# Provenance a fact's relationship carries besides docId (its key within a pair of entities).
FACT_PROPERTIES = (
    "chunkId",
    "start",
    "end",
    "quote",
    "asOf",
    "rule",
    "confidence",
    "quotes",
    "chunkIds",
    "starts",
    "ends",
    "rules",
    "confidences",
)

# The documents the graph holds, with what loaded them.
# Parameters: none
# Returns: d.id, d.sha256, d.signature (one row per Document; sha256 and signature are null
#   for a document whose load did not finish)
LOADED_DOCUMENTS = "MATCH (d:Document) RETURN d.id, d.sha256, d.signature"

# Delete the relationships (facts and mentions) read from the given documents.
# Parameters:
#   $docs: list of strings, document ids
# Returns: nothing
DELETE_DOCUMENT_FACTS = "MATCH ()-[r]->() WHERE r.docId IN $docs DELETE r"

# Delete the given documents' chunks, with whatever still links to them.
# Parameters:
#   $docs: list of strings, document ids
# Returns: nothing
DELETE_DOCUMENT_CHUNKS = "MATCH (c:Chunk) WHERE c.docId IN $docs DETACH DELETE c"

# Delete the given Document nodes.
# Parameters:
#   $docs: list of strings, document ids
# Returns: nothing
DELETE_DOCUMENTS = "MATCH (d:Document) WHERE d.id IN $docs DETACH DELETE d"

# Create or update Document nodes; sha256 and signature are cleared until MARK_DOCUMENTS_LOADED.
# Parameters:
#   $rows: list of maps {id, title, date, format, force}
# Returns: nothing
MERGE_DOCUMENTS = (
    "UNWIND $rows AS row MERGE (d:Document {id: row.id}) "
    "SET d.title = row.title, d.date = row.date, d.format = row.format, "
    "d.force = row.force, d.sha256 = null, d.signature = null"
)

# Create or update Chunk nodes, each linked to its Document.
# Parameters:
#   $rows: list of maps {id, docId, ordinal, start, end, text, section, paragraph}
# Returns: nothing
MERGE_CHUNKS = (
    "UNWIND $rows AS row MERGE (c:Chunk {id: row.id}) "
    "SET c.docId = row.docId, c.ordinal = row.ordinal, c.start = row.start, c.end = row.end, "
    "c.text = row.text, c.section = row.section, c.paragraph = row.paragraph "
    "WITH c, row MATCH (d:Document {id: row.docId}) MERGE (c)-[:FROM_DOCUMENT]->(d)"
)

# Record that the given documents are loaded, by which extraction (written last, so a load
# that died before this is redone).
# Parameters:
#   $rows: list of maps {id, sha256, signature}
# Returns: nothing
MARK_DOCUMENTS_LOADED = (
    "UNWIND $rows AS row MATCH (d:Document {id: row.id}) "
    "SET d.sha256 = row.sha256, d.signature = row.signature"
)


def merge_entities(label: str) -> str:
    """Create or update entities of one label (labelled, so MERGE seeks the id index).

    Parameters: $rows, list of maps {id, name, aliases, and each of ENTITY_PROPERTIES}.
    Returns nothing.
    """
    sets = ", ".join(f"e.{key} = row.{key}" for key in ("name", "aliases", *ENTITY_PROPERTIES))
    return f"UNWIND $rows AS row MERGE (e:{quote_name(label)} {{id: row.id}}) SET {sets}"


def merge_mentions(label: str) -> str:
    """Link entities of one label to the chunks that mention them, one MENTIONED_IN per chunk.

    Parameters: $rows, list of maps {entityId, chunkId, docId, start, end, quote, asOf, rule,
    confidence, surface, mentions}. Returns nothing.
    """
    return (
        f"UNWIND $rows AS row MATCH (e:{quote_name(label)} {{id: row.entityId}}) "
        "MATCH (c:Chunk {id: row.chunkId}) "
        "MERGE (e)-[m:MENTIONED_IN {docId: row.docId}]->(c) "
        "SET m.chunkId = row.chunkId, m.start = row.start, m.end = row.end, "
        "m.quote = row.quote, m.asOf = row.asOf, m.rule = row.rule, "
        "m.confidence = row.confidence, m.surface = row.surface, m.mentions = row.mentions"
    )


def merge_facts(source_label: str, relation: str, target_label: str) -> str:
    """Create or update facts of one (source label, relation, target label), one relationship
    per source document.

    Parameters: $rows, list of maps {source, target, docId, and each of FACT_PROPERTIES}.
    Returns nothing.
    """
    sets = ", ".join(f"r.{p} = row.{p}" for p in FACT_PROPERTIES)
    return (
        f"UNWIND $rows AS row MATCH (a:{quote_name(source_label)} {{id: row.source}}) "
        f"MATCH (b:{quote_name(target_label)} {{id: row.target}}) "
        f"MERGE (a)-[r:{quote_name(relation)} {{docId: row.docId}}]->(b) SET {sets}"
    )


def drop_orphans(label: str) -> str:
    """Delete entities of one label that no chunk mentions any more.

    Parameters: none. Returns nothing.
    """
    return (
        f"MATCH (e:{quote_name(label)}) OPTIONAL MATCH (e)-[m:MENTIONED_IN]->() "
        "WITH e, count(m) AS n WHERE n = 0 DETACH DELETE e"
    )


# --- schema and clearing: FalkorDB (graph/falkordb.py) ---------------------------------------

# The indexes the graph has (FalkorDB's procedure; ensure_schema reads it before creating any).
# Parameters: none
# Returns: label, properties, entitytype (one row per index)
FALKORDB_INDEXES = (
    "CALL db.indexes() YIELD label, properties, entitytype RETURN label, properties, entitytype"
)

# The constraints the graph has, with their state (PENDING, OPERATIONAL or FAILED).
# Parameters: none
# Returns: type, label, properties, entitytype, status (one row per constraint)
FALKORDB_CONSTRAINTS = (
    "CALL db.constraints() YIELD type, label, properties, entitytype, status "
    "RETURN type, label, properties, entitytype, status"
)

# Any write query creates the graph key; RO_QUERY on a graph that does not exist fails.
# Parameters: none
# Returns: 1
FALKORDB_CREATE_GRAPH = "RETURN 1"


def falkordb_create_index(label: str) -> str:
    """A range index on `id` for one label (FalkorDB; its unique constraint needs it).

    Parameters: none. Returns nothing.
    """
    return f"CREATE INDEX FOR (n:{quote_name(label)}) ON (n.{ID_PROPERTY})"


# --- schema and clearing: Neo4j (graph/neo4j.py) ---------------------------------------------

# Delete up to 10,000 nodes with their relationships (clear runs it until it deletes none).
# Parameters: none
# Returns: deleted (how many nodes it deleted)
NEO4J_DELETE_BATCH = "MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS deleted"

# Wait until every index (those the constraints made included) is online.
# Parameters: none
# Returns: nothing
NEO4J_AWAIT_INDEXES = "CALL db.awaitIndexes()"


def neo4j_schema_statements() -> list[str]:
    """A unique constraint (with its index) on `id` for every node label (ensure_schema)."""
    return [
        f"CREATE CONSTRAINT {_constraint_name(label)} IF NOT EXISTS "
        f"FOR (n:{quote_name(label)}) REQUIRE n.{ID_PROPERTY} IS UNIQUE"
        for label in NODE_LABELS
    ]


def neo4j_drop_statements() -> list[str]:
    """Drop the constraints neo4j_schema_statements made (clear, after deleting the data)."""
    return [f"DROP CONSTRAINT {_constraint_name(label)} IF EXISTS" for label in NODE_LABELS]


def _constraint_name(label: str) -> str:
    return f"kg_{label.lower()}_{ID_PROPERTY}"
