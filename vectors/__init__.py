"""Retrieval parts both sides stand on: the encoder port, the dense and sparse (BM25)
vector indexes, and the index generations on disk."""
