"""Notification module: send through the provider of a channel and record each notification with its outcome.

Providers: `local` (logs the message; the default, for channels `feed` and `email`) and `smtp` (smtplib in a
thread). An `idempotency_key` makes a send happen once: a second call with the same key returns the stored row
(subscribers are delivered at least once).
"""

from __future__ import annotations

import asyncio
import functools
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Protocol

import orjson
import structlog
from sqlalchemy import String, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import MedusaError, MedusaErrorType
from euryale.ids import generate_id
from euryale.modules.notification.models import notification, notification_provider

log = structlog.get_logger("euryale.notification")


class NotificationProvider(Protocol):
    id: str
    channels: list[str]

    async def send(self, message: dict[str, Any]) -> dict[str, Any]:
        """Deliver `message` (`to`, `channel`, `template`, `data`...); returns `{"id": external_id}` or `{}`."""
        ...


@dataclass
class LocalNotificationProvider:
    """Logs instead of sending (development, tests, and the `feed` channel)."""

    id: str = "local"
    channels: list[str] = field(default_factory=lambda: ["feed", "email"])
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, message: dict[str, Any]) -> dict[str, Any]:
        log.info("notification (local provider)", to=message["to"], channel=message["channel"],
                 template=message["template"])
        self.sent.append(message)
        return {}


@dataclass
class SmtpNotificationProvider:
    """E-mail over SMTP. Options: host, port, username, password, from, starttls (default true), ssl, timeout.

    The subject is `data["subject"]` (else the template name); the body `data["text"]` and optional
    `data["html"]`, else a plain rendering of `data`.
    """

    options: dict[str, Any]
    id: str = "smtp"
    channels: list[str] = field(default_factory=lambda: ["email"])

    def _build(self, message: dict[str, Any]) -> EmailMessage:
        data = message.get("data") or {}
        email = EmailMessage()
        email["From"] = str(self.options.get("from", "no-reply@localhost"))
        email["To"] = message["to"]
        email["Subject"] = str(data.get("subject") or message["template"])
        email.set_content(str(data.get("text") or orjson.dumps(data, default=str, option=orjson.OPT_INDENT_2)
                              .decode()))
        if data.get("html"):
            email.add_alternative(str(data["html"]), subtype="html")
        return email

    def _send_sync(self, email: EmailMessage) -> str:
        host = str(self.options.get("host", "localhost"))
        port = int(self.options.get("port", 465 if self.options.get("ssl") else 587))
        timeout = float(self.options.get("timeout", 10))
        smtp: smtplib.SMTP = (smtplib.SMTP_SSL(host, port, timeout=timeout) if self.options.get("ssl")
                              else smtplib.SMTP(host, port, timeout=timeout))
        with smtp:
            if not self.options.get("ssl") and self.options.get("starttls", True):
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls()
            if self.options.get("username"):
                smtp.login(str(self.options["username"]), str(self.options.get("password", "")))
            smtp.send_message(email)
        return str(email.get("Message-ID") or "")

    async def send(self, message: dict[str, Any]) -> dict[str, Any]:
        external = await asyncio.to_thread(self._send_sync, self._build(message))  # smtplib blocks: off the loop
        return {"id": external} if external else {}


_FIELDS = ("to", "channel", "template", "data", "trigger_type", "resource_id", "resource_type", "receiver_id",
           "original_notification_id", "idempotency_key")


class NotificationService:
    """`container.resolve("notification")`: providers by channel plus the `notification` table."""

    def __init__(self, container: Any, providers: list[NotificationProvider]) -> None:
        self.container = container
        self.providers = providers
        self._ready = False

    def provider_for(self, channel: str) -> NotificationProvider:
        for provider in self.providers:
            if channel in provider.channels:
                return provider
        raise MedusaError(MedusaErrorType.NOT_FOUND, f"Could not find a notification provider for channel: {channel}")

    async def _ensure_providers(self) -> None:
        if self._ready:
            return
        async with self.container.database().transaction() as conn:
            for p in self.providers:
                await conn.execute(pg_insert(notification_provider).values(
                    id=p.id, handle=p.id, name=type(p).__name__, channels=list(p.channels)).on_conflict_do_update(
                    index_elements=["id"], set_={"channels": list(p.channels), "deleted_at": None}))
        self._ready = True

    async def create_notifications(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Record and send each notification; returns the stored rows (status `success` or `failure`)."""
        await self._ensure_providers()
        out: list[dict[str, Any]] = []
        for item in items:
            unknown = set(item) - set(_FIELDS)
            if unknown:
                raise MedusaError(MedusaErrorType.INVALID_DATA, f"Unrecognized fields: '{', '.join(sorted(unknown))}'")
            provider = self.provider_for(str(item["channel"]))
            values = {k: item.get(k) for k in _FIELDS}
            async with self.container.database().transaction() as conn:
                row = (await conn.execute(_statements()["insert"], {
                    "id": generate_id("noti"), "provider_id": provider.id, "status": "pending", **values,
                })).mappings().first()
                if row is None:  # same idempotency key: already sent (or being sent) once
                    existing = (await conn.execute(select(notification).where(
                        notification.c.idempotency_key == item["idempotency_key"],
                        notification.c.deleted_at.is_(None)))).mappings().one()
                    out.append(dict(existing))
                    continue
            status, external_id = "success", None
            try:
                result = await provider.send(dict(values))
                external_id = result.get("id")
            except Exception as exc:
                status = "failure"
                log.error("notification failed", provider=provider.id, to=values["to"], error=str(exc))
            async with self.container.database().transaction() as conn:
                stored = (await conn.execute(_statements()["sent"], {
                    "row_id": row["id"], "status": status, "external_id": external_id})).mappings().one()
            out.append(dict(stored))
        return out


@functools.cache
def _statements() -> dict[str, Any]:
    """The INSERT (skipped for a used idempotency key) and the status UPDATE of each notification sent, built once
    (every order placed sends one: building them cost more CPU than running them)."""
    return {
        "insert": pg_insert(notification).values(
            {k: bindparam(k, type_=notification.c[k].type) for k in ("id", "provider_id", "status", *_FIELDS)})
        .on_conflict_do_nothing(index_elements=["idempotency_key"], index_where=notification.c.deleted_at.is_(None))
        .returning(*notification.c),
        "sent": update(notification).where(notification.c.id == bindparam("row_id", type_=String)).values(
            status=bindparam("status", type_=String), external_id=bindparam("external_id", type_=String),
            updated_at=func.now()).returning(*notification.c),
    }


async def retrieve_notification(conn: AsyncConnection, *, notification_id: str) -> dict[str, Any]:
    """One notification row, or a 404 `MedusaError`."""
    row = (await conn.execute(select(notification).where(notification.c.id == notification_id,
                                                         notification.c.deleted_at.is_(None)))).mappings().first()
    if row is None:
        raise MedusaError(MedusaErrorType.NOT_FOUND, f"Notification with id: {notification_id} was not found")
    return dict(row)


async def list_notifications(conn: AsyncConnection, *, filters: dict[str, Any] | None = None, limit: int = 20,
                             offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Rows newest first and the total count; `filters` match columns by equality (a list means IN)."""
    conds = [notification.c.deleted_at.is_(None)]
    for key, value in (filters or {}).items():
        col = notification.c[key]
        conds.append(col.in_(value) if isinstance(value, list) else col == value)
    rows = (await conn.execute(select(notification).where(*conds).order_by(notification.c.created_at.desc())
                               .limit(limit).offset(offset))).mappings().all()
    count = int((await conn.execute(select(func.count()).select_from(notification).where(*conds))).scalar_one())
    return [dict(r) for r in rows], count


def build_providers(options: dict[str, Any]) -> list[NotificationProvider]:
    """From module options `providers: [{"resolve": "local"|"smtp", "id"?, "options"?: {..., "channels"}}]`."""
    providers: list[NotificationProvider] = []
    for entry in options.get("providers") or []:
        kind = str(entry.get("resolve", "local")).rsplit("-", 1)[-1].rsplit(".", 1)[-1]
        opts = dict(entry.get("options") or {})
        channels = list(opts.pop("channels", None) or entry.get("channels") or
                        (["email"] if kind == "smtp" else ["feed", "email"]))
        if kind == "smtp":
            providers.append(SmtpNotificationProvider(opts, id=str(entry.get("id", "smtp")), channels=channels))
        elif kind == "local":
            providers.append(LocalNotificationProvider(id=str(entry.get("id", "local")), channels=channels))
        else:
            raise ValueError(f"unknown notification provider {entry.get('resolve')!r} (local or smtp)")
    return providers or [LocalNotificationProvider()]


def notification_service(container: Any) -> NotificationService:
    """The configured service, or a default one with the local provider (registered on first use)."""
    if container.has("notification"):
        service: NotificationService = container.resolve("notification")
        return service
    service = NotificationService(container, [LocalNotificationProvider()])
    container.register("notification", service)
    return service
