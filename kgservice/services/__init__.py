"""Domain services: one module per domain, between the API and the stores."""
