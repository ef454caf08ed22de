"""The sales channel module."""
