"""The browser playground and the offline GraphiQL page: their bundle and their routes."""
