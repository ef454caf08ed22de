"""Commerce and architectural modules, one package per domain."""
