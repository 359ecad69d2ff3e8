"""`mutua sms fake`: a local Twilio for development, and `mutua sms text` to use it.

With Mutua served against the fake (`MUTUA_SMS_PROVIDER=twilio`, `MUTUA_TWILIO_API_URL`
pointing at it, the same account sid and auth token), `mutua sms text --from PHONE BODY`
sends a signed inbound text through the fake and prints Mutua's reply, and every text
Mutua sends lands in the fake (`GET /_fake/messages`).
"""

from __future__ import annotations

import click
import httpx

from core.settings import Settings

DEFAULT_FAKE_PORT = 8100


@click.group("sms")
def sms_group() -> None:
    """SMS gateways: a local fake Twilio for development."""


@sms_group.command("fake")
@click.option("--port", default=DEFAULT_FAKE_PORT, show_default=True, type=int)
@click.option(
    "--deliver-to",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Where Mutua really listens, for the callbacks signed for MUTUA_PUBLIC_URL.",
)
@click.pass_context
def fake(ctx: click.Context, port: int, deliver_to: str) -> None:
    """Run a fake Twilio on 127.0.0.1 with MUTUA_TWILIO_ACCOUNT_SID / _AUTH_TOKEN."""
    import uvicorn

    from fakes.twilio import FakeTwilio, create_fake_twilio

    settings: Settings = ctx.obj
    if not settings.twilio_account_sid or not settings.twilio_auth_token:
        raise click.UsageError("set MUTUA_TWILIO_ACCOUNT_SID and MUTUA_TWILIO_AUTH_TOKEN")
    state = FakeTwilio(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        public_url=settings.public_url or deliver_to,
        deliver_to=deliver_to,
    )
    click.echo(f"Fake Twilio on http://127.0.0.1:{port} (texts: /_fake/messages)")
    uvicorn.run(create_fake_twilio(state), host="127.0.0.1", port=port, log_level="warning")


@sms_group.command("text")
@click.option("--from", "phone", required=True, help="The phone texting Mutua, E.164.")
@click.option("--fake-url", default=f"http://127.0.0.1:{DEFAULT_FAKE_PORT}", show_default=True)
@click.argument("body")
def text(phone: str, fake_url: str, body: str) -> None:
    """Text BODY to Mutua through the fake Twilio and print the reply."""
    response = httpx.post(
        f"{fake_url}/_fake/inbound", json={"from": phone, "body": body}, timeout=30
    )
    response.raise_for_status()
    answer = response.json()
    if answer["status"] != 200:
        raise click.ClickException(f"Mutua answered {answer['status']}")
    click.echo(answer["reply"] if answer["reply"] is not None else "(no reply)")
