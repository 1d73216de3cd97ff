"""GraphQL surface of code-quality monitoring."""
