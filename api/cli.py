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
@click.option(
    "--with-scheduler", is_flag=True, help="Also run the monthly scheduler (a small co-op)."
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, with_scheduler: bool) -> None:
    """Serve the API (OpenAPI UI at /schema)."""
    import uvicorn

    from api.app import create_app

    settings = _settings(ctx)
    click.echo(f"Mutua on http://{host}:{port}  (API docs: http://{host}:{port}/schema)")
    app = create_app(settings, run_scheduler=with_scheduler)
    # Forwarded headers are read by the app, from MUTUA_TRUSTED_PROXIES only; uvicorn's own
    # handling would believe them from any local process.
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


@main.command()
@click.option("--once", is_flag=True, help="One tick (reminders and due runs), then exit.")
@click.pass_context
def scheduler(ctx: click.Context, once: bool) -> None:
    """Start each pool's month after its cut-off, remind members before it, catch up."""
    from runs.config import RunConfig
    from runs.scheduler import run_forever, tick

    settings = _settings(ctx)
    config = RunConfig.from_settings(settings)

    async def work() -> None:
        engine = create_engine(settings.database_url)
        try:
            sessions = session_factory(engine)
            if once:
                report = await tick(sessions, config, settings.reminder_days_before_cutoff)
                click.echo(f"{report.reminders} reminders queued; runs: {report.runs or 'none'}")
            else:
                click.echo("scheduler running (Ctrl-C stops it)")
                await run_forever(sessions, config, settings.reminder_days_before_cutoff)
        finally:
            await engine.dispose()

    asyncio.run(work())


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


@main.group("run")
def run_group() -> None:
    """The monthly run."""


@run_group.command("month")
@click.option("--pool", "pool_id", type=click.UUID, help="One pool (default: every pool).")
@click.option("--all", "all_pools", is_flag=True, help="Every pool (the default).")
@click.option("--period", help="YYYY-MM; default the last month that is over in each pool.")
@click.option("--no-wait", is_flag=True, help="Exit if another runner holds the run.")
@click.pass_context
def run_month(
    ctx: click.Context, pool_id: Any, all_pools: bool, period: str | None, no_wait: bool
) -> None:
    """Run (or resume) a month: plans, contributions, payouts, statements."""
    from api.run_command import run_months

    if pool_id is not None and all_pools:
        raise click.UsageError("give --pool or --all, not both")
    code = asyncio.run(run_months(_settings(ctx), pool_id, period, wait=not no_wait))
    ctx.exit(code)


@main.command("purge")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@click.pass_context
def purge(ctx: click.Context, batch: int) -> None:
    """Delete expired idempotency records and rate-limit windows, a batch per transaction,
    until none are left (the monthly run and the scheduler call the same sweeps)."""
    from api.idempotency import purge_expired as purge_idempotency
    from core.ratelimit import purge_expired as purge_counters

    async def work(session: Any) -> Any:
        totals = {}
        for name, sweep in (
            ("idempotency records", purge_idempotency),
            ("rate-limit windows", purge_counters),
        ):
            total = 0
            while True:
                removed = await sweep(session, limit=batch)
                await session.commit()
                total += removed
                if removed < batch:
                    break
            totals[name] = total
        return totals

    for name, total in asyncio.run(_in_session(_settings(ctx), work)).items():
        click.echo(f"{name} purged: {total}")


@main.command("refusals")
@click.option("--hours", default=24, show_default=True, type=click.IntRange(1, 24 * 31))
@click.pass_context
def refusals(ctx: click.Context, hours: int) -> None:
    """Sign-in codes refused by the limits, by reason, over the last hours (SMS pumping shows
    here first: many per-address or number-type refusals)."""
    from datetime import timedelta

    from core.clock import utcnow
    from core.ratelimit import counts_since, window_of
    from pools.signin import REFUSALS

    since, _ = window_of(REFUSALS, utcnow() - timedelta(hours=hours))

    async def work(session: Any) -> Any:
        return await counts_since(session, REFUSALS.bucket, since)

    counts = asyncio.run(_in_session(_settings(ctx), work))
    click.echo(f"sign-in codes refused in the last {hours} h:")
    for reason in ("number-type", "per-address", "per-phone", "hourly-budget"):
        click.echo(f"  {reason:14} {counts.get(f'{REFUSALS.bucket}:{reason}', 0)}")


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
