MATCH ()-[r:__LABEL__]->() RETURN count(r) AS count
