// Every named entity with the properties name resolution needs, a page at a time (keyset paging on id).
// Answers: which people, posts, units, initiatives, organisations, themes, risks, recommendations and objectives does the graph hold?
// Parameters:
//   $after: string, return ids after this one ("" for the first page)
//   $limit: integer, the most rows to return
// Returns: id, label, name, aliases, ranks, surname, givenName
// Example: {"after": "", "limit": 1000}
// The page is cut before the columns are projected, so only its own rows are projected.
MATCH (e)
WHERE e.id > $after AND e.name IS NOT NULL AND NOT e:Chunk AND NOT e:Document
WITH e
ORDER BY e.id
LIMIT $limit
RETURN e.id AS id, labels(e)[0] AS label, e.name AS name, e.aliases AS aliases,
       e.ranks AS ranks, e.surname AS surname, e.givenName AS givenName
