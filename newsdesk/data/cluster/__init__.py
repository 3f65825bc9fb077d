"""Story clustering: the join decision (join.json) and the static embedding model (minilm_m2v/)."""
