"""GraphQL surface of the knowledge graph: entities, relations, discovery and jobs."""
