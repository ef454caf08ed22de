"""The promotion module."""
