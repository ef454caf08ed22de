"""Notification module: record + send through the channel's provider, idempotency, SMTP delivery."""

from __future__ import annotations

import socket
import uuid

import pytest

from euryale.errors import MedusaError
from euryale.modules.notification.service import (
    LocalNotificationProvider,
    NotificationService,
    SmtpNotificationProvider,
    build_providers,
    list_notifications,
    retrieve_notification,
)
from tests.support import services
from tests.support.arch import arch_config, started
from tests.support.smtp_sink import SmtpSink


async def test_local_provider_records_once_per_idempotency_key(arch_db: services.TestDatabase, prefix: str) -> None:
    container = await started(arch_config(arch_db, prefix=prefix, redis=False))
    local = LocalNotificationProvider()
    service = NotificationService(container, [local])
    key = f"welcome:{uuid.uuid4().hex}"
    item = {"to": "ada@example.com", "channel": "feed", "template": "welcome", "data": {"n": 1},
            "resource_id": "cus_1", "resource_type": "customer", "idempotency_key": key}
    try:
        [first] = await service.create_notifications([item])
        [again] = await service.create_notifications([item])
        assert first["id"].startswith("noti_") and first["status"] == "success" and first["provider_id"] == "local"
        assert again["id"] == first["id"]
        assert len([m for m in local.sent if m["idempotency_key"] == key]) == 1
        async with container.database().read() as conn:
            row = await retrieve_notification(conn, notification_id=first["id"])
            rows, count = await list_notifications(conn, filters={"resource_id": "cus_1"}, limit=10)
            with pytest.raises(MedusaError):
                await retrieve_notification(conn, notification_id="noti_missing")
        assert row["to"] == "ada@example.com" and row["data"] == {"n": 1}
        assert count >= 1 and first["id"] in [r["id"] for r in rows]
        with pytest.raises(MedusaError, match="channel: sms"):
            await service.create_notifications([{**item, "channel": "sms", "idempotency_key": None}])
    finally:
        await container.stop()


async def test_smtp_provider_sends_mail_and_records_failure(arch_db: services.TestDatabase, prefix: str) -> None:
    container = await started(arch_config(arch_db, prefix=prefix, redis=False))
    sink = SmtpSink()
    await sink.start()
    [smtp] = build_providers({"providers": [{"resolve": "smtp", "options": {
        "host": "127.0.0.1", "port": sink.port, "from": "shop@example.com", "starttls": False}}]})
    assert isinstance(smtp, SmtpNotificationProvider)
    service = NotificationService(container, [smtp])
    try:
        [sent] = await service.create_notifications([{
            "to": "bob@example.com", "channel": "email", "template": "order-placed",
            "data": {"subject": "Order #7 confirmed", "text": "Thanks!"}}])
        assert sent["status"] == "success" and sent["provider_id"] == "smtp"
        assert len(sink.messages) == 1
        mail = sink.messages[0]
        assert mail["To"] == "bob@example.com" and mail["Subject"] == "Order #7 confirmed"
        assert "Thanks!" in mail.get_payload()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed = s.getsockname()[1]
        smtp.options["port"] = closed
        smtp.options["timeout"] = 2
        [failed] = await service.create_notifications([{"to": "eve@example.com", "channel": "email",
                                                        "template": "x", "data": {}}])
        assert failed["status"] == "failure"
    finally:
        await sink.stop()
        await container.stop()
