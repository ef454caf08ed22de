"""HTTP framework pieces: app factory, errors, JSON, query parsing, authentication dependencies."""
