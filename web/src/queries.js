// The GraphQL documents the playground sends.
export const NODE_FIELDS = `
  id __typename
  ... on Entity { name kind namespace }
  ... on Project { name namespace }
  ... on Session { externalId namespace }
  ... on Thread { name namespace }
  ... on Message { role content namespace }
  ... on Conversation { content namespace }
  ... on Reflection { content namespace }
  ... on Job { kind namespace }
  ... on CodeFile { filePath: path }
  ... on Symbol { name qualname }
  ... on GraphNode { label properties }
`;
const EDGE_FIELDS = "id from to label type properties";

export const SEARCH = `query($text: String!, $kinds: [String!], $ns: String, $k: Int!) {
  search(text: $text, kinds: $kinds, namespace: $ns, k: $k, mode: HYBRID) { score node { ${NODE_FIELDS} } } }`;

export const NEIGHBORHOOD = `query($id: ID!, $depth: Int!, $rel: [String!], $limit: Int!) {
  neighborhood(id: $id, depth: $depth, relTypes: $rel, limit: $limit) {
    truncated nodes { ${NODE_FIELDS} } edges { ${EDGE_FIELDS} } } }`;

export const RELATION_GRAPH = `query($ns: String!, $limit: Int!, $asOf: DateTime, $retired: Boolean!) {
  relationGraph(namespace: $ns, limit: $limit, asOf: $asOf, includeRetired: $retired) {
    truncated nodes { ${NODE_FIELDS} } edges { ${EDGE_FIELDS} } } }`;

const RELATION = `id type status confidence score method evidence validFrom validTo jobId fromId toId
  from { id name kind } to { id name kind }`;

export const INSPECT = `query($id: ID!) {
  node(id: $id) {
    ${NODE_FIELDS}
    ... on Entity {
      observations aliases properties createdAt updatedAt
      mentionedBy(first: 10) { totalCount edges { node { ${NODE_FIELDS} } } }
    }
    ... on Project { path description createdAt latestSession { id externalId } }
    ... on Session { status agent createdAt project { id name } }
    ... on Thread { status messageCount createdAt updatedAt
      messages(first: 100) { totalCount edges { node { id idx role content createdAt } } } }
    ... on Message { idx createdAt }
    ... on Conversation { createdAt }
    ... on Reflection { tags importance createdAt }
    ... on Job { jobStatus: status progress counts createdAt }
    ... on CodeFile { module language lines contentHash error
      mentionedBy(first: 10) { totalCount edges { node { ${NODE_FIELDS} } } } }
    ... on Symbol { kind module lineStart lineEnd docstring
      mentionedBy(first: 10) { totalCount edges { node { ${NODE_FIELDS} } } } }
  }
}`;

export const RELATIONS = `query($id: ID!, $asOf: DateTime) {
  relations(entityId: $id, asOf: $asOf, first: 100) { totalCount edges { node { ${RELATION} } } } }`;

export const REVIEW = `mutation($id: ID!, $decision: ReviewDecision!) {
  reviewRelation(input: {id: $id, decision: $decision}) {
    __typename
    ... on RelationPayload { relation { ${RELATION} } }
    ... on ValidationError { field message }
    ... on NotFoundError { message }
    ... on ConflictError { message }
  } }`;

export const START_DISCOVERY = `mutation($input: StartDiscoveryInput!) {
  startDiscovery(input: $input) {
    __typename
    ... on StartDiscoveryPayload { job { id status progress } }
    ... on ValidationError { field message }
    ... on NotFoundError { message }
    ... on ConflictError { message }
  } }`;

export const JOB_PROGRESS = `subscription($id: ID!) {
  jobProgress(id: $id) { id status progress counts errors } }`;

export const CANDIDATES = `query($job: ID!, $after: String) {
  relationCandidates(jobId: $job, first: 50, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { ${RELATION} } } } }`;

export const METRICS = `query($ns: String!) {
  graphMetrics(namespace: $ns) {
    engine entities relations retiredRelations connectivityRatio isolated embeddingCoverage
    components largestComponent relationsByStatus { status count }
    degree { max mean buckets { low high entities } } } }`;

export const TOP_RANKED = `query($ns: String!) {
  pageRank(namespace: $ns, k: 20) { entities { rank score id node { ${NODE_FIELDS} } } } }`;

export const PAGE_RANK = `query($ns: String!) {
  pageRank(namespace: $ns, k: 100) { entities { id score } } }`;

export const COMMUNITIES = `query($ns: String!) {
  communities(namespace: $ns, first: 100, membersFirst: 1000) { communities { index memberIds } } }`;

export const NAMESPACES = `{ namespaces }`;

export const PROJECTS = `query($where: ProjectWhere, $after: String) {
  projects(where: $where, first: 50, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id name namespace path } } } }`;

export const PROJECT_VIEW = `query($id: ID!) {
  project(id: $id) {
    id name namespace description latestSession { id }
    sessions(first: 100) { totalCount edges { node { id externalId agent status createdAt
      threads(first: 50) { edges { node { id name status messageCount updatedAt } } } } } }
  }
  sessionChain(projectId: $id) { previousId nextId source at }
  conversations(projectId: $id, first: 10) { totalCount edges { node { id content createdAt } } }
  reflections(projectId: $id, first: 10) { totalCount edges { node { id content tags createdAt } } }
}`;
