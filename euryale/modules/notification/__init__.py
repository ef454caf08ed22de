"""The notification module: `{"resolve": "euryale.modules.notification", "options": {"providers": [...]}}`."""

from __future__ import annotations

from typing import Any

from euryale.modules.notification.service import NotificationService, build_providers


def load(container: Any, options: dict[str, Any]) -> NotificationService:
    return NotificationService(container, build_providers(options))
