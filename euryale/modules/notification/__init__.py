"""The notification module."""
