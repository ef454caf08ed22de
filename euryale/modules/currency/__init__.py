"""The currency module."""
