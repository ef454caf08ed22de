"""The pricing module."""
