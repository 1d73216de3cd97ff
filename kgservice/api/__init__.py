"""The GraphQL API and the ASGI app that serves it."""
