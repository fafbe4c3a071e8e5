// An initiative's dependency chain both ways: what it depends on and what depends on it.
// Answers: what does this initiative rely on, and what relies on it, directly or through others?
// Parameters:
//   $initiativeId: string, the id of the initiative (or objective, unit) the chain starts from
//   $depth: integer, how many DEPENDS_ON hops to follow, 1 to 5 (a larger depth reads as 5)
// Returns: direction, depth, id, name, type, path, pathIds (one row per distinct chain; direction "dependency" means the start depends on the row's entity, "dependent" means the row's entity depends on the start; path and pathIds run from the start to that entity)
// Example: {"initiativeId": "initiative:troubled-family", "depth": 2}
// A variable-length bound cannot be a parameter (FalkorDB, Neo4j), so 5 is a fixed ceiling;
// the path is matched either way round and kept when every hop points the same way.
// The start is looked up under each entity label in turn: an index seek each (labels cannot
// be parameters), where an unlabelled {id: ...} scans every node. An id begins with its
// type, so at most one lookup finds it.
OPTIONAL MATCH (person:Person {id: $initiativeId})
OPTIONAL MATCH (post:Post {id: $initiativeId})
OPTIONAL MATCH (unit:Unit {id: $initiativeId})
OPTIONAL MATCH (initiative:Initiative {id: $initiativeId})
OPTIONAL MATCH (organisation:Organisation {id: $initiativeId})
OPTIONAL MATCH (theme:Theme {id: $initiativeId})
OPTIONAL MATCH (risk:Risk {id: $initiativeId})
OPTIONAL MATCH (recommendation:Recommendation {id: $initiativeId})
OPTIONAL MATCH (objective:Objective {id: $initiativeId})
WITH coalesce(person, post, unit, initiative, organisation, theme, risk, recommendation,
              objective) AS start
WHERE start IS NOT NULL
MATCH p = (start)-[:DEPENDS_ON*1..5]-(other)
WHERE length(p) <= $depth
WITH start, other, nodes(p) AS hops, relationships(p) AS rels
WHERE all(k IN range(0, size(rels) - 1) WHERE startNode(rels[k]) = hops[k])
   OR all(k IN range(0, size(rels) - 1) WHERE endNode(rels[k]) = hops[k])
RETURN DISTINCT
       CASE WHEN startNode(rels[0]) = start THEN 'dependency' ELSE 'dependent' END AS direction,
       size(rels) AS depth, other.id AS id, other.name AS name, labels(other)[0] AS type,
       [n IN hops | n.name] AS path, [n IN hops | n.id] AS pathIds
ORDER BY direction, depth, name, id
