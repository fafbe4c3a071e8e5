// The facts that touch any of the given entities, either way round: one hop of the graph around them.
// Answers: what is each of these entities directly related to, by which relationship, and according to which document?
// Parameters:
//   $ids: list of strings, the ids of the entities whose relationships are wanted
//   $limit: integer, the most relationships to return
// Returns: sourceId, source, sourceType, relation, targetId, target, targetType, docId, asOf, quote (one row per relationship and source document, newest first; mentions and documents, which link entities to chunks, are left out)
// Example: {"ids": ["theme:child-sexual-exploitation"], "limit": 100}
UNWIND $ids AS entityId
// The start is looked up under each entity label in turn: an index seek each (labels cannot
// be parameters), where an unlabelled {id: ...} scans every node. An id begins with its
// type, so at most one lookup finds it.
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
              objective) AS n
WHERE n IS NOT NULL
// Either way round; a relationship between two given entities (or from one to itself) is
// met from both ends, and kept once.
MATCH (n)-[r]-()
WHERE NOT type(r) IN ['MENTIONED_IN', 'FROM_DOCUMENT']
WITH DISTINCT r
WITH startNode(r) AS a, r, endNode(r) AS b
RETURN a.id AS sourceId, a.name AS source, labels(a)[0] AS sourceType, type(r) AS relation,
       b.id AS targetId, b.name AS target, labels(b)[0] AS targetType, r.docId AS docId,
       r.asOf AS asOf, r.quote AS quote
ORDER BY coalesce(asOf, '') DESC, sourceId, relation, targetId, docId
LIMIT $limit
