"""GraphQL surface of projects, sessions, threads, messages and the session chain."""
