// Every fact between two entities (one row per source document), with its evidence, a page at a time.
// Answers: what does the graph assert, where, and as of when?
// Parameters:
//   $skip: integer, rows to skip (paging)
//   $limit: integer, the most rows to return
// Returns: source, relation, target, docId, chunkId, start, end, quote, asOf, confidence
// Example: {"skip": 0, "limit": 1000}
MATCH (a)-[r]->(b)
WHERE NOT type(r) IN ['MENTIONED_IN', 'FROM_DOCUMENT']
RETURN a.id AS source, type(r) AS relation, b.id AS target, r.docId AS docId,
       r.chunkId AS chunkId, r.start AS start, r.end AS end, r.quote AS quote,
       r.asOf AS asOf, r.confidence AS confidence
ORDER BY source, relation, target, docId
SKIP $skip
LIMIT $limit
