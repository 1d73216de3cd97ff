// Keep each project's session chain as numbered links on the project itself, so that
// sessionChain reads one hop from the project in link order instead of joining its sessions
// to their CONTINUED_AS edges and sorting. CONTINUED_AS stays the auditable edge.
CREATE REL TABLE CHAIN_LINK(FROM Project TO Session, seq INT64, previous_id STRING, next_id STRING, source STRING, at TIMESTAMP);
// Number the existing transitions 0, 1, ... per project in the order sessionChain gave them
// (time, then next session id): each link's seq is the count of the project's links before it.
MATCH (p:Project)-[:HAS_SESSION]->(a:Session)-[c:CONTINUED_AS]->(b:Session)
OPTIONAL MATCH (p)-[:HAS_SESSION]->(:Session)-[e:CONTINUED_AS]->(f:Session)
WHERE e.at < c.at OR (e.at = c.at AND f.id < b.id)
WITH p, a, b, c, count(e) AS seq
CREATE (p)-[:CHAIN_LINK {seq: seq, previous_id: a.id, next_id: b.id, source: c.source, at: c.at}]->(b);
