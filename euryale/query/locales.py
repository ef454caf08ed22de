"""Locales of the translation layer (Medusa 2.12+, behind the `translation` feature flag).

Medusa seeds its `locale` table with a fixed list; Euryale serves the same kind of list from code. A store's
supported locales come from `store.metadata.supported_locales` (`[{code, name?}]`), else `DEFAULT_STORE_LOCALES`.
"""

from __future__ import annotations

from typing import Any

LOCALES: dict[str, str] = {
    "en-US": "English (United States)", "en-GB": "English (United Kingdom)", "fr-FR": "French (France)",
    "de-DE": "German (Germany)", "es-ES": "Spanish (Spain)", "it-IT": "Italian (Italy)",
    "nl-NL": "Dutch (Netherlands)", "pt-PT": "Portuguese (Portugal)", "pt-BR": "Portuguese (Brazil)",
    "da-DK": "Danish (Denmark)", "sv-SE": "Swedish (Sweden)", "nb-NO": "Norwegian Bokmål (Norway)",
    "fi-FI": "Finnish (Finland)", "pl-PL": "Polish (Poland)", "cs-CZ": "Czech (Czechia)",
    "tr-TR": "Turkish (Turkey)", "ja-JP": "Japanese (Japan)", "zh-CN": "Chinese (China)",
    "ko-KR": "Korean (South Korea)", "ar-SA": "Arabic (Saudi Arabia)",
}
DEFAULT_STORE_LOCALES = ["en-US"]


def locale_view(code: str) -> dict[str, Any]:
    """A locale as the admin API shows it."""
    return {"code": code, "name": LOCALES.get(code, code), "created_at": None, "updated_at": None,
            "deleted_at": None}


def store_locales(metadata: Any) -> list[dict[str, str]]:
    """`[{code, name}]` the store supports."""
    configured = metadata.get("supported_locales") if isinstance(metadata, dict) else None
    out: list[dict[str, str]] = []
    if isinstance(configured, list):
        for entry in configured:
            code = entry.get("code") or entry.get("locale_code") if isinstance(entry, dict) else entry
            if isinstance(code, str) and code:
                name = entry.get("name") if isinstance(entry, dict) else None
                out.append({"code": code, "name": str(name or LOCALES.get(code, code))})
    return out or [{"code": c, "name": LOCALES[c]} for c in DEFAULT_STORE_LOCALES]
