"""The product module."""
