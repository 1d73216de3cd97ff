"""Storage layer: the graph store, the vector store, the embedder and schema migrations."""
