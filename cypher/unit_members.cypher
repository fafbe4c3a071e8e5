// A unit's people and sub-units: who heads, chairs, leads or belongs to it, and what is part of it.
// Answers: who is in this unit, board or team, who runs it, and which teams sit within it?
// Parameters:
//   $unitId: string, the id of the unit (department, team, board, forum, hub)
// Returns: memberId, member, memberType, relation, asOf, docId, quote (one row per member, relation and source document; relation is HEADS, CHAIRS, LEADS, MEMBER_OF or PART_OF, the last for sub-units and work within the unit; heads and chairs first)
// Example: {"unitId": "unit:hate-crime-scrutiny-panel"}
MATCH (member)-[r:HEADS|CHAIRS|LEADS|MEMBER_OF|PART_OF]->({id: $unitId})
RETURN member.id AS memberId, member.name AS member, labels(member)[0] AS memberType,
       type(r) AS relation, r.asOf AS asOf, r.docId AS docId, r.quote AS quote
ORDER BY CASE relation
           WHEN 'HEADS' THEN 0 WHEN 'CHAIRS' THEN 1 WHEN 'LEADS' THEN 2 WHEN 'MEMBER_OF' THEN 3
           ELSE 4
         END, member, coalesce(asOf, '') DESC, docId
