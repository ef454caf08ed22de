"""In-memory workflow engine. Being built (issue #3): until then it only registers the key."""

from __future__ import annotations

from typing import Any


class InMemoryWorkflowEngine:
    def __init__(self, container: Any) -> None:
        self.container = container


def load(container: Any, options: dict[str, Any]) -> InMemoryWorkflowEngine:
    return InMemoryWorkflowEngine(container)
