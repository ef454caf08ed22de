"""The auth module: identities, emailpass, MFA (TOTP + recovery codes) and verifications.

Always loaded; configure it (MFA encryption key, challenge limits, TOTP and verification-token settings) with
`modules=[{"resolve": "euryale.modules.auth", "options": {...}}]` (see `euryale.modules.auth.options`).
"""

from __future__ import annotations

from typing import Any

from euryale.modules.auth.options import AuthOptions, parse_options


def load(container: Any, options: dict[str, Any]) -> AuthOptions:
    """The module's validated options (what `auth_options(container)` answers)."""
    return parse_options(options)
