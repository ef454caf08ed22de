"""Subscribers shipped with Euryale (same file format as a project's `src/subscribers/*.py`)."""
