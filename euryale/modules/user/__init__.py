"""The user module."""
