"""Services behind the MCP tools that GraphQL has no field for: projects by name, context."""
