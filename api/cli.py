"""The `mutua` command: serve, migrate, seed the demo, manage administrators, export income.

Built on click like Litestar's own CLI; every command reads settings from the environment
(`MUTUA_*`) once, at the start.
"""

from __future__ import annotations

import asyncio
import csv
import uuid
from pathlib import Path
from typing import Any, TextIO

import click
from sqlalchemy.engine import make_url

from api.plaid_command import plaid_group
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
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes (PostgreSQL only): one a core serves the most texts and pages.",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, with_scheduler: bool, workers: int) -> None:
    """Serve the API (OpenAPI UI at /schema)."""
    import uvicorn

    from api.app import create_app

    settings = _settings(ctx)
    if workers > 1 and not settings.database_url.startswith("postgresql"):
        raise click.UsageError("--workers needs PostgreSQL: SQLite takes one writer at a time")
    if workers > 1 and with_scheduler:
        raise click.UsageError(
            "--with-scheduler runs in one process: start `mutua scheduler` beside the workers"
        )
    click.echo(f"Mutua on http://{host}:{port}  (API docs: http://{host}:{port}/schema)")
    # Forwarded headers are read by the app, from MUTUA_TRUSTED_PROXIES only; uvicorn's own
    # handling would believe them from any local process.
    if workers > 1:
        # Each process builds its own app from the same MUTUA_* environment; the outbox,
        # vote closing and bank sync loops in each take their rows under row locks.
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            proxy_headers=False,
        )
        return
    app = create_app(settings, run_scheduler=with_scheduler)
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


@main.command("last-code")
@click.option("--phone", required=True, help="The phone, with its country code (+1415...).")
@click.option(
    "--wait",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0, 120),
    help="Seconds to wait for the text to be written.",
)
@click.pass_context
def last_code(ctx: click.Context, phone: str, wait: float) -> None:
    """Print the newest sign-in code texted to a phone, for trying the API locally.

    Reads the file the SMS provider writes (MUTUA_SMS_PROVIDER=file:PATH, the default),
    waiting for the text if the server has not written it yet:
    CODE=$(.venv/bin/mutua last-code --phone +14155550100)
    """
    from api.last_code import NoCode, last_sign_in_code
    from core.errors import MutuaError
    from core.phones import normalize_phone
    from notifications.providers import FileSmsProvider, provider_from_setting

    settings = _settings(ctx)
    provider = provider_from_setting(settings.sms_provider, settings)
    if not isinstance(provider, FileSmsProvider):
        raise click.ClickException(
            f"texts go to {settings.sms_provider!r}, not to a file this command can read; "
            "it works with MUTUA_SMS_PROVIDER=file:PATH"
        )
    try:
        number = normalize_phone(phone)
    except MutuaError as exc:
        raise click.ClickException(exc.detail) from exc

    async def read() -> str:
        engine = create_engine(settings.database_url)
        try:
            return await last_sign_in_code(
                session_factory(engine), number, provider.path, wait=wait
            )
        finally:
            await engine.dispose()

    try:
        click.echo(asyncio.run(read()))
    except NoCode as exc:
        raise click.ClickException(str(exc)) from exc


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Apply migrations (the only way the schema changes), creating the schema if needed."""
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    settings = _settings(ctx)
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["database_url"] = settings.database_url
    before = asyncio.run(_schema_revision(settings.database_url))
    command.upgrade(config, revision)
    after = asyncio.run(_schema_revision(settings.database_url))
    script = ScriptDirectory.from_config(config)

    def named(rev: str | None) -> str:
        found = script.get_revision(rev) if rev else None
        return f"{rev} ({found.doc})" if found is not None and found.doc else str(rev)

    where = make_url(settings.database_url).render_as_string(hide_password=True)
    if before is None:
        click.echo(f"Created the database schema at revision {named(after)} in {where}")
    elif before != after:
        click.echo(
            f"Upgraded the database schema from {named(before)} to {named(after)} in {where}"
        )
    else:
        click.echo(f"The database schema is up to date at revision {named(after)} in {where}")


async def _schema_revision(url: str) -> str | None:
    """The database's Alembic revision; None when it has no schema yet."""
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            revision: str | None = await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
            return revision
    finally:
        await engine.dispose()


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
            click.echo(f"Demo administrator (an operator): {email} / {password}")
        click.echo(_where_texts_go(_settings(ctx).sms_provider))
        if not if_empty:
            ctx.exit(1)
        return
    remember_password(DEMO_CREDENTIALS, summary)
    click.echo("Seeded the demo co-op.")
    click.echo(
        f"  Administrator (an operator, who sees every pool): "
        f"{summary.admin_email} / {summary.admin_password}"
    )
    click.echo(f"  Pool join code: {summary.pool_code}")
    click.echo(f"  Workers (sign in with POST /v1/auth/otp): {', '.join(summary.phones[:5])}, ...")
    click.echo(f"  {_where_texts_go(_settings(ctx).sms_provider, summary.phones[0])}")


def _where_texts_go(setting: str, phone: str = "PHONE") -> str:
    """Where the demo's texts (sign-in codes included) can be read, in words."""
    from notifications.providers import FileSmsProvider, MemorySmsProvider, provider_from_setting

    if setting.strip() in ("twilio", "africastalking"):
        return f"Texts are sent through {setting.strip()}"
    provider = provider_from_setting(setting)
    if isinstance(provider, FileSmsProvider):
        return (
            f"Texts, sign-in codes included, are appended to {provider.path}; "
            f"a phone's newest code: .venv/bin/mutua last-code --phone {phone}"
        )
    if isinstance(provider, MemorySmsProvider):
        return "Texts are kept in the server's memory (MUTUA_SMS_PROVIDER=memory), unread"
    return f"Texts are sent through {setting}"


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
    """Administrators: an `admin` runs the pools they create or are granted; an `operator`
    runs the service, sees every pool and grants pools to administrators."""


@admin.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True, help="At least 12 characters.")
@click.option(
    "--role",
    type=click.Choice(["admin", "operator"]),
    default="admin",
    show_default=True,
    help="admin: runs the pools they create or are granted (see `admin grant`); "
    "operator: runs the service, sees every pool and grants pools to administrators.",
)
@click.pass_context
def admin_create(ctx: click.Context, email: str, password: str, role: str) -> None:
    """Create an administrator who signs in with email and password.

    A new admin sees no pool until they create one (POST /v1/pools) or are granted one.
    """
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


@admin.command("grant")
@click.option("--email", required=True, help="The administrator's email.")
@click.option("--pool", "pool_id", required=True, type=click.UUID, help="The pool's id.")
@click.pass_context
def admin_grant(ctx: click.Context, email: str, pool_id: uuid.UUID) -> None:
    """Make an administrator one of a pool's administrators (harmless if already one)."""
    from core.errors import MutuaError
    from pools.admins import grant_pool

    async def work(session: Any) -> Any:
        granted = await grant_pool(session, pool_id, email)
        await session.commit()
        return granted

    try:
        granted, pool, created = asyncio.run(_in_session(_settings(ctx), work))
    except MutuaError as exc:
        raise click.ClickException(exc.detail) from exc
    verb = "now runs" if created else "already ran"
    click.echo(f"administrator {granted.email} {verb} the pool {pool.name} ({pool.id})")


@main.group()
def income() -> None:
    """Workers' income records."""


@income.command("export")
@click.option("--pool", "pool_id", required=True, type=click.UUID, help="The pool's id.")
@click.option(
    "--out",
    type=click.File("w", encoding="utf-8"),
    default="-",
    show_default=True,
    help="File to write; - is standard output.",
)
@click.pass_context
def income_export(ctx: click.Context, pool_id: uuid.UUID, out: TextIO) -> None:
    """Write the income of a pool's members as python -m actuarial forecast reads it.

    One line per worker, platform and month (worker_id,platform,month,amount), in the
    pool's currency and its units; members who left the pool are not included.
    """
    from core.errors import NotFound
    from income.history import HISTORY_COLUMNS, history_of
    from pools import repository

    async def work(session: Any) -> Any:
        pool = await repository.pool_by_id(session, pool_id)
        if pool is None:
            raise NotFound(f"no pool has the id {pool_id}")
        members = await repository.members_of_pool(session, pool.id)
        worker_ids = [worker.id for member, worker in members if member.status != "left"]
        return pool, await history_of(session, worker_ids, pool.currency)

    try:
        pool, history = asyncio.run(_in_session(_settings(ctx), work))
    except NotFound as exc:
        raise click.ClickException(exc.detail) from exc
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    writer.writerows(history.rows)
    out.flush()
    skipped = (
        f"; {history.other_currencies} month figures in other currencies left out"
        if history.other_currencies
        else ""
    )
    click.echo(
        f"{len(history.rows)} month figures of {history.workers} members of {pool.name} "
        f"in {pool.currency}{skipped}",
        err=True,
    )


main.add_command(plaid_group)


def _add_subcommands() -> None:
    from api.sms_command import sms_group

    main.add_command(sms_group)


_add_subcommands()

if __name__ == "__main__":  # pragma: no cover
    main()
