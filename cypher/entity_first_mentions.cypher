// The first passage that mentions each of the given entities: its document, date and quote.
// Answers: where and when did the documents first mention each of these people, posts, units, initiatives or themes?
// Parameters:
//   $ids: list of strings, the ids of the entities
// Returns: id, docId, asOf, quote, chunkId, documents (one row per given entity that a passage mentions: its earliest mention, dated ones before undated, then by document and offset; documents counts the documents that mention it)
// Example: {"ids": ["person:gooderidge", "theme:child-sexual-exploitation"]}
UNWIND $ids AS entityId
// The entity is looked up under each label in turn, an index seek each, as in
// entity_neighbours: an unlabelled {id: ...} would scan every node once per id.
OPTIONAL MATCH (person:Person {id: entityId})
OPTIONAL MATCH (post:Post {id: entityId})
OPTIONAL MATCH (unit:Unit {id: entityId})
OPTIONAL MATCH (initiative:Initiative {id: entityId})
OPTIONAL MATCH (organisation:Organisation {id: entityId})
OPTIONAL MATCH (theme:Theme {id: entityId})
OPTIONAL MATCH (risk:Risk {id: entityId})
OPTIONAL MATCH (recommendation:Recommendation {id: entityId})
OPTIONAL MATCH (objective:Objective {id: entityId})
WITH coalesce(person, post, unit, initiative, organisation, theme, risk, recommendation,
              objective) AS e
WHERE e IS NOT NULL
MATCH (e)-[m:MENTIONED_IN]->(c:Chunk)
WITH e, m, c
ORDER BY e.id, m.asOf IS NULL, m.asOf, m.docId, m.start
WITH e, collect({docId: m.docId, asOf: m.asOf, quote: m.quote, chunkId: c.id}) AS mentions,
     count(DISTINCT m.docId) AS documents
RETURN e.id AS id, mentions[0].docId AS docId, mentions[0].asOf AS asOf,
       mentions[0].quote AS quote, mentions[0].chunkId AS chunkId, documents
ORDER BY id
