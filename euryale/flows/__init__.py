"""Workflows that span modules."""
