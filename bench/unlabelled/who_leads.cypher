// Who leads, heads or chairs an entity (or holds a post), newest evidence first.
// Answers: who leads this theme or initiative, who heads or chairs this unit, who holds this post?
// Parameters:
//   $entityId: string, the id of the theme, initiative, unit or post led (e.g. "theme:hate-crime")
// Returns: leaderId, leader, leaderType, relation, holders, asOf, docId, quote (one row per leader, relation and source document; relation is LEADS, HEADS, CHAIRS or HOLDS_POST; holders names the people the same document says hold the leading post, an empty list when the leader is not a post)
// Example: {"entityId": "theme:child-sexual-exploitation"}
MATCH (leader)-[r:LEADS|HEADS|CHAIRS|HOLDS_POST]->({id: $entityId})
OPTIONAL MATCH (holder:Person)-[held:HOLDS_POST]->(leader)
  WHERE held.docId = r.docId
WITH leader, r, collect(DISTINCT holder.name) AS holders
RETURN leader.id AS leaderId, leader.name AS leader, labels(leader)[0] AS leaderType,
       type(r) AS relation, holders, r.asOf AS asOf, r.docId AS docId, r.quote AS quote
ORDER BY coalesce(asOf, '') DESC, docId, leader, relation
