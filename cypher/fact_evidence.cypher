// The evidence behind one fact: every passage, in every document, that states it.
// Answers: where does the graph get "subject RELATION object" from, and how sure is it?
// Parameters:
//   $subjectId: string, the id of the fact's subject (where the relationship starts)
//   $relation: string, the relationship type, e.g. "LEADS", "HEADS", "DEPENDS_ON"
//   $objectId: string, the id of the fact's object (where the relationship ends)
// Returns: docId, chunkId, start, end, quote, asOf, rule, confidence (one row per piece of evidence, newest document first; start and end are character offsets into the document)
// Example: {"subjectId": "person:gooderidge", "relation": "LEADS", "objectId": "theme:child-sexual-exploitation"}
// A relationship type cannot be a parameter, so the type is compared, not matched.
MATCH ({id: $subjectId})-[r]->({id: $objectId})
WHERE type(r) = $relation
// One relationship per document; its lists hold every evidence in that document.
UNWIND range(0, size(coalesce(r.quotes, [r.quote])) - 1) AS i
WITH r, i, coalesce(r.chunkIds[i], r.chunkId) AS chunkId
RETURN DISTINCT r.docId AS docId,
       CASE WHEN chunkId = '' THEN null ELSE chunkId END AS chunkId,
       coalesce(r.starts[i], r.start) AS start, coalesce(r.ends[i], r.end) AS end,
       coalesce(r.quotes[i], r.quote) AS quote, r.asOf AS asOf,
       coalesce(r.rules[i], r.rule) AS rule, coalesce(r.confidences[i], r.confidence) AS confidence
ORDER BY coalesce(asOf, '') DESC, docId, start
