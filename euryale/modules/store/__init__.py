"""The store module."""
