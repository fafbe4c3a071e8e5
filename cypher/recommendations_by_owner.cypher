// Recommendations owned by a person, post, unit or organisation, newest evidence first.
// Answers: which recommendations fall to this post or person to carry out?
// Parameters:
//   $ownerId: string, the id of the owner (a person, post, unit or organisation)
// Returns: recommendationId, recommendation, number, owner, docId, asOf, quote (one row per recommendation and source passage; owner is the owner as the document words it, else the owner's name; number is the document's own numbering or null)
// Example: {"ownerId": "organisation:west-midlands-police"}
MATCH (o {id: $ownerId})
MATCH (rec:Recommendation)-[m:MENTIONED_IN]->(:Chunk)
// The owner is the one the document names ("a recommendation for <owner> is ...", kept as
// written in rec.owner), the subject the recommendation starts with ("<owner> to review ..."),
// or a LEADS relationship; names match as whole words (name, aliases, surname), any case.
WITH o, rec, m, ' ' + toLower(coalesce(rec.owner, '')) + ' ' AS written,
     ' ' + toLower(rec.name) + ' ' AS text,
     [n IN [o.name, o.surname] + coalesce(o.aliases, []) WHERE n IS NOT NULL] AS names
// FalkorDB cannot see an alias in the WHERE of the WITH that makes it when that WHERE holds
// a pattern, hence a second WITH.
WITH o, rec, m, written, text, names
WHERE (o)-[:LEADS]->(rec)
   OR any(name IN names
          WHERE written CONTAINS (' ' + toLower(name) + ' ')
             OR text STARTS WITH (' ' + toLower(name) + ' ')
             OR text STARTS WITH (' the ' + toLower(name) + ' '))
RETURN DISTINCT rec.id AS recommendationId, rec.name AS recommendation, rec.number AS number,
       coalesce(rec.owner, o.name) AS owner, m.docId AS docId, m.asOf AS asOf, m.quote AS quote
ORDER BY coalesce(asOf, '') DESC, docId, recommendationId
