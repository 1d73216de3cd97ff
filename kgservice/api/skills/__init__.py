"""GraphQL surface of skills analytics."""
