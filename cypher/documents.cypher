// Documents in the graph, newest first.
// Answers: which documents has the index loaded, with their titles and dates?
// Parameters:
//   $limit: integer, the most documents to return
// Returns: docId, title, date (one row per document; date is an ISO date string or null)
// Example: {"limit": 10}
MATCH (d:Document)
RETURN d.id AS docId, d.title AS title, d.date AS date
ORDER BY date DESC, docId
LIMIT $limit
