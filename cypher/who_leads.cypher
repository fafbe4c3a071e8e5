// Who leads, heads or chairs an entity (or holds a post), newest evidence first.
// Answers: who leads this theme or initiative, who heads or chairs this unit, who holds this post?
// Parameters:
//   $entityId: string, the id of the theme, initiative, unit or post led (e.g. "theme:hate-crime")
// Returns: leaderId, leader, leaderType, relation, holders, asOf, docId, quote (one row per leader, relation and source document; relation is LEADS, HEADS, CHAIRS or HOLDS_POST; holders names the people the same document says hold the leading post, an empty list when the leader is not a post)
// Example: {"entityId": "theme:child-sexual-exploitation"}
// The start is looked up under each entity label in turn: an index seek each (labels cannot
// be parameters), where an unlabelled {id: ...} scans every node. An id begins with its
// type, so at most one lookup finds it.
OPTIONAL MATCH (person:Person {id: $entityId})
OPTIONAL MATCH (post:Post {id: $entityId})
OPTIONAL MATCH (unit:Unit {id: $entityId})
OPTIONAL MATCH (initiative:Initiative {id: $entityId})
OPTIONAL MATCH (organisation:Organisation {id: $entityId})
OPTIONAL MATCH (theme:Theme {id: $entityId})
OPTIONAL MATCH (risk:Risk {id: $entityId})
OPTIONAL MATCH (recommendation:Recommendation {id: $entityId})
OPTIONAL MATCH (objective:Objective {id: $entityId})
WITH coalesce(person, post, unit, initiative, organisation, theme, risk, recommendation,
              objective) AS target
WHERE target IS NOT NULL
MATCH (leader)-[r:LEADS|HEADS|CHAIRS|HOLDS_POST]->(target)
OPTIONAL MATCH (holder:Person)-[held:HOLDS_POST]->(leader)
  WHERE held.docId = r.docId
WITH leader, r, collect(DISTINCT holder.name) AS holders
RETURN leader.id AS leaderId, leader.name AS leader, labels(leader)[0] AS leaderType,
       type(r) AS relation, holders, r.asOf AS asOf, r.docId AS docId, r.quote AS quote
ORDER BY coalesce(asOf, '') DESC, docId, leader, relation
