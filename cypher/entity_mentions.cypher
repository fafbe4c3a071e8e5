// Passages that mention an entity, in document order.
// Answers: where do the documents mention this person, unit, initiative or theme?
// Parameters:
//   $entityId: string, the entity's id
//   $limit: integer, the most passages to return
// Returns: chunkId, docId, title, start, end (one row per passage; start and end are character offsets into the document)
// Example: {"entityId": "person:gooderidge", "limit": 20}
MATCH (e {id: $entityId})-[:MENTIONED_IN]->(c:Chunk)-[:FROM_DOCUMENT]->(d:Document)
RETURN c.id AS chunkId, d.id AS docId, d.title AS title, c.start AS start, c.end AS end
ORDER BY docId, start
LIMIT $limit
