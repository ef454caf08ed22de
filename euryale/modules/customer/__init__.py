"""The customer module."""
