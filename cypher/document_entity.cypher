// What one document says about an entity: the passages that mention it and the facts it states.
// Answers: what does this report say about this person, unit, initiative or theme?
// Parameters:
//   $docId: string, the document's id
//   $entityId: string, the entity's id
// Returns: kind, subject, relation, object, chunkId, start, end, quote, asOf (one row per mention or piece of evidence for a fact, in document order; kind is "mention" for a passage that mentions the entity, with relation MENTIONED_IN and the chunk id as object, or "fact" for a relationship the document gives the entity, either way round)
// Example: {"docId": "002_bd7793fc1852ee61.txt", "entityId": "person:gooderidge"}
MATCH (e {id: $entityId})-[r]-(other)
WHERE r.docId = $docId
// A fact keeps every evidence in the document in parallel lists; a mention has none.
UNWIND range(0, size(coalesce(r.quotes, [r.quote])) - 1) AS i
WITH e, r, other, i, startNode(r) = e AS outgoing
RETURN DISTINCT CASE WHEN type(r) = 'MENTIONED_IN' THEN 'mention' ELSE 'fact' END AS kind,
       CASE WHEN outgoing THEN e.name ELSE other.name END AS subject,
       type(r) AS relation,
       CASE WHEN outgoing THEN coalesce(other.name, other.id) ELSE e.name END AS object,
       coalesce(r.chunkIds[i], r.chunkId) AS chunkId, coalesce(r.starts[i], r.start) AS start,
       coalesce(r.ends[i], r.end) AS end, coalesce(r.quotes[i], r.quote) AS quote,
       r.asOf AS asOf
ORDER BY start, kind DESC, relation, object
