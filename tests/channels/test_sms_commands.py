"""`mutua sms text` through the fake Twilio to a served Mutua, as the README shows it."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner

from api.app import create_app
from api.cli import main
from fakes.server import running
from fakes.twilio import FakeTwilio, create_fake_twilio
from tests.api.conftest import SECRET
from tests.channels.conftest import PUBLIC_URL, TWILIO_ACCOUNT, TWILIO_TOKEN, twilio_settings


def text(database_url: str, fake_url: str, phone: str, body: str) -> str:
    result = CliRunner().invoke(
        main,
        ["sms", "text", "--from", phone, "--fake-url", fake_url, body],
        env={"MUTUA_DATABASE_URL": database_url, "MUTUA_SECRET_KEY": SECRET},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.output.strip()


async def test_texting_through_the_fake_from_the_command_line(database_url: str) -> None:
    app = create_app(twilio_settings(database_url), run_outbox_worker=False)
    fake = FakeTwilio(account_sid=TWILIO_ACCOUNT, auth_token=TWILIO_TOKEN, public_url=PUBLIC_URL)
    with running(app) as live, running(create_fake_twilio(fake)) as fake_url:
        fake.deliver_to = live
        phone = "+14155550198"
        said = [
            await asyncio.to_thread(text, database_url, fake_url, phone, body)
            for body in ("AYUDA", "ALTO", "SALDO", "INICIO")
        ]
    assert said[0].startswith("Mutua: envia INGRESO y un monto")
    assert said[1] == "Ya no recibiras mensajes de Mutua. Envia INICIO para volver a recibirlos."
    assert said[2] == "(no reply)"
    assert said[3].startswith("Volveras a recibir mensajes de Mutua.")
