"""`euryale user -e EMAIL -p PASSWORD [--invite]`: create an admin user (or an invite) like `medusa user`."""

from __future__ import annotations

import asyncio
from typing import Any

import typer

from euryale.cli.main import app, config_or_exit, database_url_or_exit


async def _run(config: Any, *, email: str, password: str | None, invite: bool) -> str:
    from euryale.boot import build_container
    from euryale.events import Event
    from euryale.events.outbox import stage_events
    from euryale.flows.people import UserExistsError
    from euryale.modules.user import service as user_service
    from euryale.modules.user.commands import create_admin_user

    container = build_container(config)
    await container.start()
    try:
        if invite:
            async with container.database().transaction() as conn:
                if await user_service.find_user_by_email(conn, email=email) is not None:
                    raise UserExistsError(f"A user with email {email} already exists")
                created = await user_service.create_invite(
                    conn, email=email, secret=config.project_config.http.jwt_secret)
                await stage_events(conn, [Event("invite.created", {"id": created["id"]})])
            return f"Invite token: {created['token']}\nOpen the invite in Medusa Admin at: [your-admin-url]/invite?token={created['token']}"
        assert password is not None
        made = await create_admin_user(container, email=email, password=password)
        return f"User created successfully: {made['id']} ({email})"
    finally:
        await container.stop()


@app.command("user")
def user_command(
    email: str = typer.Option(..., "--email", "-e", help="email of the admin user"),
    password: str | None = typer.Option(None, "--password", "-p", help="password (not needed with --invite)"),
    invite: bool = typer.Option(False, "--invite", help="create an invite instead and print its token"),
    user_id: str | None = typer.Option(None, "--id", "-i", help="accepted for Medusa compatibility; ignored"),
) -> None:
    """Create an admin user with an email/password identity, or an invite (`--invite`)."""
    from euryale.errors import MedusaError
    from euryale.flows.people import UserExistsError

    config = config_or_exit()
    database_url_or_exit(config)
    if not invite and not password:
        typer.secho("--password is required unless --invite is given", fg="red", err=True)
        raise typer.Exit(1)
    try:
        message = asyncio.run(_run(config, email=email, password=password, invite=invite))
    except UserExistsError as exc:
        typer.secho(f"Error: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    except MedusaError as exc:
        typer.secho(f"Error: {exc.message}", fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(message)
