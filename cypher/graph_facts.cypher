// Every fact between two entities (one row per source document), with its evidence, for the sources in a range of ids.
// Answers: what does the graph assert, where, and as of when?
// Parameters:
//   $after: string, read entities whose id sorts after this one ("" from the start)
//   $through: string, and up to this id, included (one range of ids: keyset paging)
//   $limit: integer, the most rows to return (one more than a page tells a range that overflows)
// Returns: source, relation, target, docId, chunkId, start, end, quote, asOf, confidence
// Example: {"after": "", "through": "~", "limit": 1000}
MATCH (a)-[r]->(b)
WHERE a.id > $after AND a.id <= $through AND NOT type(r) IN ['MENTIONED_IN', 'FROM_DOCUMENT']
RETURN a.id AS source, type(r) AS relation, b.id AS target, r.docId AS docId,
       r.chunkId AS chunkId, r.start AS start, r.end AS end, r.quote AS quote,
       r.asOf AS asOf, r.confidence AS confidence
LIMIT $limit
