"""The cart module."""
