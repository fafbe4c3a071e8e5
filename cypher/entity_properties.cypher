// An entity's own properties: its name, aliases and what the documents say about it besides its relationships.
// Answers: what is this entity, by which names is it known, and (for a person) at what ranks; (for an objective) with which owner and how often reported; (for a recommendation) with which number?
// Parameters:
//   $entityId: string, the entity's id
// Returns: id, type, name, aliases, surname, givenName, ranks, ranksAsWritten, suffix, owner, frequency, kind, number, docIds (one row, none for an unknown id, a chunk or a document; a property the entity lacks is null)
// Example: {"entityId": "person:gooderidge"}
MATCH (e {id: $entityId})
WHERE e.name IS NOT NULL AND NOT e:Chunk AND NOT e:Document
RETURN e.id AS id, labels(e)[0] AS type, e.name AS name, e.aliases AS aliases,
       e.surname AS surname, e.givenName AS givenName, e.ranks AS ranks,
       e.ranksAsWritten AS ranksAsWritten, e.suffix AS suffix, e.owner AS owner,
       e.frequency AS frequency, e.kind AS kind, e.number AS number, e.docIds AS docIds
