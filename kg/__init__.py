"""policing-kg: knowledge graph and cited semantic search over policing documents."""

__version__ = "0.1.0"
