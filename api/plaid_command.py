"""`mutua plaid fake` (a local Plaid for development) and `mutua plaid sync` (the queue)."""

from __future__ import annotations

import asyncio

import click

from core.db import create_engine, session_factory
from core.settings import Settings


@click.group("plaid")
def plaid_group() -> None:
    """The bank link through Plaid."""


@plaid_group.command("fake")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8010, show_default=True)
@click.option("--client-id", default="fake-client", show_default=True)
@click.option("--secret", default="fake-secret", show_default=True)
def plaid_fake(host: str, port: int, client_id: str, secret: str) -> None:
    """Serve a local Plaid that speaks Plaid's API, with two years of made-up bank data per
    linked item. Point Mutua at it with MUTUA_PLAID_URL=http://HOST:PORT and the same
    client id and secret."""
    import uvicorn

    from fakes.plaid import FakePlaid, create_fake_plaid_app

    click.echo(
        f"fake Plaid on http://{host}:{port}: export MUTUA_PLAID_URL=http://{host}:{port} "
        f"MUTUA_PLAID_CLIENT_ID={client_id} MUTUA_PLAID_SECRET={secret}",
        err=True,
    )
    uvicorn.run(create_fake_plaid_app(FakePlaid(client_id, secret)), host=host, port=port)


@plaid_group.command("sync")
@click.option("--all", "everything", is_flag=True, help="Every linked bank, not only those queued.")
@click.pass_context
def plaid_sync(ctx: click.Context, everything: bool) -> None:
    """Sync the banks webhooks queued (or every linked bank) now."""
    from banks.service import BankLink
    from banks.sync import sync_all, sync_requested

    settings: Settings = ctx.obj
    link = BankLink(settings)
    gateway, sealer = link.require()

    async def work() -> None:
        engine = create_engine(settings.database_url)
        try:
            sessions = session_factory(engine)
            run = sync_all if everything else sync_requested
            for result in await run(sessions, gateway, sealer):
                click.echo(
                    f"{result.item_id}: {result.outcome} +{result.added} ~{result.modified} "
                    f"-{result.removed} ({result.unreviewed} to review)"
                )
        finally:
            await engine.dispose()

    asyncio.run(work())
