"""The inventory module."""
