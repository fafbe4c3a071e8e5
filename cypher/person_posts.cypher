// A person's posts and ranks over time, oldest first.
// Answers: which posts has this officer held, and at what rank, according to which documents?
// Parameters:
//   $personId: string, the person's id
// Returns: kind, title, postId, asOf, docId, quote (one row per post or rank and source document; kind is "post" from a HOLDS_POST relationship, with its quote, or "rank" from the rank written before the name, without one)
// Example: {"personId": "person:chris-sims"}
MATCH (p:Person {id: $personId})
OPTIONAL MATCH (p)-[h:HOLDS_POST]->(post:Post)
WITH p, collect({kind: 'post', title: post.name, postId: post.id, asOf: h.asOf,
                 docId: h.docId, quote: h.quote}) AS posts
// rankHistory, rankAsOf and rankDocIds are parallel lists on the person.
WITH posts + [i IN range(0, size(coalesce(p.rankHistory, [])) - 1) |
              {kind: 'rank', title: p.rankHistory[i], postId: null, asOf: p.rankAsOf[i],
               docId: p.rankDocIds[i], quote: null}] AS events
UNWIND events AS event
WITH event
WHERE event.title IS NOT NULL
RETURN DISTINCT event.kind AS kind, event.title AS title, event.postId AS postId,
       event.asOf AS asOf, event.docId AS docId, event.quote AS quote
ORDER BY coalesce(asOf, ''), kind, title, docId
