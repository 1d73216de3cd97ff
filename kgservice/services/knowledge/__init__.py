"""Knowledge graph: entities, mentions, resolution, merge and relations."""
