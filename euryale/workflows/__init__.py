"""Workflow SDK and engine interface (steps with compensation, idempotent executions)."""
