// Where the documents mention an entity: each passage's quote, document, title and date, newest first.
// Answers: in which documents, in what words and as of when is this person, unit, initiative or theme mentioned?
// Parameters:
//   $entityId: string, the entity's id
//   $limit: integer, the most passages to return
// Returns: docId, title, date, quote, chunkId, start, end (one row per passage that mentions the entity; date is the document's ISO date or null; start and end are the quote's character offsets in the document)
// Example: {"entityId": "person:gooderidge", "limit": 20}
MATCH (e {id: $entityId})-[m:MENTIONED_IN]->(c:Chunk)-[:FROM_DOCUMENT]->(d:Document)
RETURN d.id AS docId, d.title AS title, coalesce(m.asOf, d.date) AS date, m.quote AS quote,
       c.id AS chunkId, m.start AS start, m.end AS end
ORDER BY coalesce(date, '') DESC, docId, start
LIMIT $limit
