// The risks attached to an initiative (or unit), newest evidence first.
// Answers: what are the risks to this initiative, in which words, and as of when?
// Parameters:
//   $initiativeId: string, the id of the initiative or unit
// Returns: riskId, risk, relation, asOf, docId, quote, rule, confidence (one row per risk and source document; relation is HAS_RISK, or CONCERNS for a risk said to concern the initiative)
// Example: {"initiativeId": "initiative:transforming-rehabilitation"}
MATCH (i {id: $initiativeId})-[r:HAS_RISK|CONCERNS]-(risk:Risk)
WHERE (type(r) = 'HAS_RISK' AND startNode(r) = i) OR (type(r) = 'CONCERNS' AND endNode(r) = i)
RETURN risk.id AS riskId, risk.name AS risk, type(r) AS relation, r.asOf AS asOf,
       r.docId AS docId, r.quote AS quote, r.rule AS rule, r.confidence AS confidence
ORDER BY coalesce(asOf, '') DESC, docId, riskId
