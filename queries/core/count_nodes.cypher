MATCH (n) RETURN label(n) AS label, count(*) AS count
