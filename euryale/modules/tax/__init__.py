"""The tax module."""
