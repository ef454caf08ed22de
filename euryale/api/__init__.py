"""HTTP handlers per route group."""
