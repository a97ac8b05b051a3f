"""Contract cases, one module per provider, registered on import."""
