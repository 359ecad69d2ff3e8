"""SMS providers: what a developer reads in the file, what a test reads in memory."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from notifications.providers import (
    FileSmsProvider,
    MemorySmsProvider,
    OutgoingSms,
    PermanentFailure,
    SmsProvider,
    TemporaryFailure,
    provider_from_setting,
)

SMS = OutgoingSms(
    to="+15551230001",
    body="Your Mutua code is 123456. It expires in 10 minutes. Never share it.",
    template="auth.sign_in_code",
    language="en",
)


@pytest.mark.parametrize(
    ("setting", "kind", "path"),
    [
        ("memory", MemorySmsProvider, None),
        (" memory ", MemorySmsProvider, None),
        ("file:var/sms.jsonl", FileSmsProvider, "var/sms.jsonl"),
        ("file:/tmp/out dir/sms.jsonl", FileSmsProvider, "/tmp/out dir/sms.jsonl"),
        ("file:var/a:b.jsonl", FileSmsProvider, "var/a:b.jsonl"),
    ],
)
def test_provider_from_setting(setting: str, kind: type, path: str | None) -> None:
    provider = provider_from_setting(setting)
    assert isinstance(provider, kind)
    assert isinstance(provider, SmsProvider)
    if path is not None:
        assert isinstance(provider, FileSmsProvider)
        assert provider.path == Path(path)


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ("", "not a known SMS provider"),
        ("file:", "needs a path"),
        ("file:   ", "needs a path"),
        ("file", "not a known SMS provider"),
        ("memory:x", "not a known SMS provider"),
        ("Memory", "not a known SMS provider"),
        ("twilio:AC123", "not a known SMS provider"),
        ("console", "not a known SMS provider"),
    ],
)
def test_provider_from_setting_refuses_unknown(setting: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        provider_from_setting(setting)


@pytest.mark.parametrize(
    ("to", "body", "language"),
    [
        ("+15551230001", SMS.body, "en"),
        ("+4915112345678", 'Quote " and backslash \\ and\nnewline', "de"),
        ("+919812345678", "आपका Mutua कोड 123456 है।", "hi"),
        ("+8613812345678", "您的 Mutua 验证码是 123456。", "zh-Hans"),
        ("+201001234567", "رمز Mutua الخاص بك هو 123456", "ar"),
    ],
)
async def test_file_provider_appends_one_json_line_per_message(
    tmp_path: Path, to: str, body: str, language: str
) -> None:
    path = tmp_path / "nested" / "dirs" / "sms.jsonl"
    provider = FileSmsProvider(path)
    sms = OutgoingSms(to=to, body=body, template="auth.sign_in_code", language=language)

    first = await provider.send(sms)
    second = await provider.send(sms)

    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == [first, second]
    assert first != second
    for record in records:
        assert set(record) == {"id", "to", "body", "template", "language", "created_at"}
        assert (record["to"], record["body"], record["language"]) == (to, body, language)
        assert record["template"] == "auth.sign_in_code"
        assert record["created_at"].endswith("+00:00")


async def test_file_provider_keeps_lines_whole_under_concurrent_sends(tmp_path: Path) -> None:
    path = tmp_path / "sms.jsonl"
    providers = [FileSmsProvider(path), FileSmsProvider(path)]  # two writers, one file
    body = "x" * 5000  # longer than one write buffer would hide interleaving
    messages = [
        OutgoingSms(to=f"+1555123{i:04d}", body=body, template="t", language="en")
        for i in range(100)
    ]
    ids = await asyncio.gather(
        *(providers[i % 2].send(message) for i, message in enumerate(messages))
    )

    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["id"] for r in records) == sorted(ids)
    assert {r["to"] for r in records} == {m.to for m in messages}
    assert all(r["body"] == body for r in records)


async def test_file_provider_reports_an_unwritable_path_as_temporary(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    provider = FileSmsProvider(blocker / "sms.jsonl")
    with pytest.raises(TemporaryFailure, match="cannot write"):
        await provider.send(SMS)


async def test_memory_provider_finds_the_last_message_to_a_phone() -> None:
    provider = MemorySmsProvider()
    other = OutgoingSms(to="+15551230002", body="other", template="t", language="en")
    later = OutgoingSms(to=SMS.to, body="later", template="t", language="es")

    first_id = await provider.send(SMS)
    await provider.send(other)
    later_id = await provider.send(later)

    assert provider.sent[0].id == first_id
    last = provider.last_to(SMS.to)
    assert last is not None
    assert (last.id, last.body, last.language) == (later_id, "later", "es")
    assert [s.body for s in provider.messages_to(SMS.to)] == [SMS.body, "later"]
    assert provider.last_to("+15559999999") is None


async def test_memory_provider_raises_queued_failures_in_order_then_sends() -> None:
    provider = MemorySmsProvider()
    provider.fail_next(TemporaryFailure("busy"), PermanentFailure("bad number"))

    with pytest.raises(TemporaryFailure, match="busy"):
        await provider.send(SMS)
    with pytest.raises(PermanentFailure, match="bad number"):
        await provider.send(SMS)
    assert provider.sent == []

    await provider.send(SMS)
    assert len(provider.sent) == 1
    provider.clear()
    assert provider.sent == []


async def test_the_file_of_sign_in_codes_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    fresh = tmp_path / "var" / "sms.jsonl"
    await FileSmsProvider(fresh).send(SMS)
    assert fresh.stat().st_mode & 0o777 == 0o600

    # A file left readable by everyone (by an older version, or by hand) is narrowed.
    shared = tmp_path / "shared.jsonl"
    shared.write_text("")
    shared.chmod(0o644)
    await FileSmsProvider(shared).send(SMS)
    assert shared.stat().st_mode & 0o777 == 0o600
    assert len(shared.read_text(encoding="utf-8").splitlines()) == 1
