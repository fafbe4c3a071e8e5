// Where the graph read each risk or recommendation (or any entity of the given labels): its evidence, one row per mention.
// Answers: which risks and recommendations does the graph hold, in which document, as of when, in what words?
// Parameters:
//   $labels: list of strings, node labels to include (e.g. ["Risk", "Recommendation"])
//   $after: string, read entities whose id sorts after this one ("" from the start)
//   $through: string, and up to this id, included (one range of ids: keyset paging)
//   $limit: integer, the most rows to return (one more than a page tells a range that overflows)
// Returns: id, docId, chunkId, start, end, quote, asOf
// Example: {"labels": ["Person"], "after": "", "through": "~", "limit": 1000}
MATCH (e)-[m:MENTIONED_IN]->(c:Chunk)
WHERE e.id > $after AND e.id <= $through AND labels(e)[0] IN $labels
RETURN e.id AS id, m.docId AS docId, c.id AS chunkId, m.start AS start, m.end AS end,
       m.quote AS quote, m.asOf AS asOf
LIMIT $limit
