"""Euryale: a headless commerce platform that speaks Medusa v2's REST API."""

__version__ = "0.1.0"
