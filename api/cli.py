"""The `mutua` command: serve, migrate, seed the demo, manage administrators.

Built on click like Litestar's own CLI; every command reads settings from the environment
(`MUTUA_*`) once, at the start.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from core.db import create_engine, session_factory
from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEMO_CREDENTIALS = Path("var/demo-admin.txt")


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


async def _in_session(settings: Settings, work: Any) -> Any:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Mutua: cooperative benefits and income smoothing for independent workers."""
    ctx.obj = Settings.from_env()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the API (OpenAPI UI at /schema)."""
    import uvicorn

    from api.app import create_app

    settings = _settings(ctx)
    click.echo(f"Mutua on http://{host}:{port}  (API docs: http://{host}:{port}/schema)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Apply migrations (the only way the schema changes)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["database_url"] = _settings(ctx).database_url
    command.upgrade(config, revision)
    click.echo(f"database at {revision}")


@main.group()
def demo() -> None:
    """The demo co-op."""


@demo.command("seed")
@click.option("--if-empty", is_flag=True, help="Only say what exists when already seeded.")
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--workers", default=36, show_default=True, type=click.IntRange(1, 5000))
@click.pass_context
def demo_seed(ctx: click.Context, if_empty: bool, seed: int, workers: int) -> None:
    """Seed a demo co-op: one pool, an administrator and workers with 24 months of income."""
    from api.demo import remember_password, seed_demo

    async def work(session: Any) -> Any:
        return await seed_demo(session, seed=seed, n_workers=workers)

    summary = asyncio.run(_in_session(_settings(ctx), work))
    if not summary.created:
        click.echo("The database already has a co-op; demo not seeded again.")
        if DEMO_CREDENTIALS.exists():
            email, password = DEMO_CREDENTIALS.read_text().split()[:2]
            click.echo(f"Demo administrator: {email} / {password}")
        if not if_empty:
            ctx.exit(1)
        return
    remember_password(DEMO_CREDENTIALS, summary)
    click.echo("Seeded the demo co-op.")
    click.echo(f"  Administrator: {summary.admin_email} / {summary.admin_password}")
    click.echo(f"  Pool join code: {summary.pool_code}")
    click.echo(f"  Workers (sign in with POST /v1/auth/otp): {', '.join(summary.phones[:5])}, ...")
    click.echo(f"  Sign-in codes are written to: {_settings(ctx).sms_provider}")


@main.group()
def admin() -> None:
    """Administrators."""


@admin.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True, help="At least 12 characters.")
@click.option("--role", type=click.Choice(["admin", "operator"]), default="admin")
@click.pass_context
def admin_create(ctx: click.Context, email: str, password: str, role: str) -> None:
    """Create an administrator who signs in with email and password."""
    from core.errors import MutuaError
    from pools.admins import create_admin

    async def work(session: Any) -> Any:
        created = await create_admin(session, email, password, role)
        await session.commit()
        return created

    try:
        created = asyncio.run(_in_session(_settings(ctx), work))
    except MutuaError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"administrator {created.email} ({created.role}) created")


if __name__ == "__main__":  # pragma: no cover
    main()
