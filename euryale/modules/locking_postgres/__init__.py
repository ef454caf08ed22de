"""The locking postgres module."""
