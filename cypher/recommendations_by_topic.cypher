// Recommendations about a topic: an entity they concern or name, or words in their text.
// Answers: what has been recommended about this theme, unit or initiative, or about these words?
// Parameters:
//   $entityId: string, the id of an entity the recommendations concern or name ("" for none)
//   $topic: string, words the recommendation's text contains, any case ("" for none)
// Returns: recommendationId, recommendation, number, owner, docId, asOf, quote (one row per recommendation and source passage; a recommendation matches if it CONCERNS the entity, its passage names the entity or one of its aliases as whole words, or its text contains the topic)
// Example: {"entityId": "", "topic": "mappa"}
MATCH (rec:Recommendation)-[m:MENTIONED_IN]->(:Chunk)
OPTIONAL MATCH (e {id: $entityId})
// Pad and strip punctuation so that names match as whole words (FalkorDB has no =~).
WITH rec, m, e,
     ' ' + toLower(replace(replace(replace(replace(replace(replace(
       coalesce(m.quote, rec.name), '.', ' '), ',', ' '), ';', ' '), ':', ' '), '(', ' '), ')', ' ')
     ) + ' ' AS passage
// FalkorDB cannot see an alias in the WHERE of the WITH that makes it when that WHERE holds
// a pattern, hence a second WITH.
WITH rec, m, e, passage
WHERE (e IS NOT NULL
       AND ((rec)-[:CONCERNS]->(e)
            OR any(name IN [e.name] + coalesce(e.aliases, [])
                   WHERE passage CONTAINS (' ' + toLower(name) + ' '))))
   OR ($topic <> ''
       AND (toLower(rec.name) CONTAINS toLower($topic)
            OR toLower(coalesce(m.quote, '')) CONTAINS toLower($topic)))
RETURN DISTINCT rec.id AS recommendationId, rec.name AS recommendation, rec.number AS number,
       rec.owner AS owner, m.docId AS docId, m.asOf AS asOf, m.quote AS quote
ORDER BY coalesce(asOf, '') DESC, docId, recommendationId
