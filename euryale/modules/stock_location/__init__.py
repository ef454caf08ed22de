"""The stock location module."""
