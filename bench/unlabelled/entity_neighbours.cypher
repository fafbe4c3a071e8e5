// The facts that touch any of the given entities, either way round: one hop of the graph around them.
// Answers: what is each of these entities directly related to, by which relationship, and according to which document?
// Parameters:
//   $ids: list of strings, the ids of the entities whose relationships are wanted
//   $limit: integer, the most relationships to return
// Returns: sourceId, source, sourceType, relation, targetId, target, targetType, docId, asOf, quote (one row per relationship and source document, newest first; mentions and documents, which link entities to chunks, are left out)
// Example: {"ids": ["theme:child-sexual-exploitation"], "limit": 100}
MATCH (a)-[r]->(b)
WHERE (a.id IN $ids OR b.id IN $ids) AND NOT type(r) IN ['MENTIONED_IN', 'FROM_DOCUMENT']
RETURN a.id AS sourceId, a.name AS source, labels(a)[0] AS sourceType, type(r) AS relation,
       b.id AS targetId, b.name AS target, labels(b)[0] AS targetType, r.docId AS docId,
       r.asOf AS asOf, r.quote AS quote
ORDER BY coalesce(asOf, '') DESC, sourceId, relation, targetId, docId
LIMIT $limit
