"""A reply: the template it came from and its text, rendered for SMS in one language."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from i18n import problem_title, render_sms, sms_safe
from i18n.registry import Value

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_INBOUND_CHARS = 1600
"""Longest text read: ten concatenated segments; anything longer is cut, not refused."""


@dataclass(frozen=True, slots=True)
class Reply:
    command: str
    """What the text was read as, for the inbound log: `INCOME`, `STOP`, `unknown`."""
    template: str | None = None
    text: str | None = None
    """None: no reply at all (a stopped phone, a phone over its limit)."""
    language: str | None = None
    values: Mapping[str, Value] | None = None
    """What the text was rendered from, for a gateway that sends replies through the outbox."""


def say(command: str, template: str, language: str, **values: Value) -> Reply:
    return Reply(command, template, render_sms(template, language, **values).text, language, values)


def say_problem(command: str, slug: str, language: str) -> Reply:
    """A refusal the API also makes, in the words of its translated problem title."""
    return Reply(command, f"problem.{slug}", sms_safe(problem_title(slug, language), language))


def silent(command: str) -> Reply:
    return Reply(command)


def clean_inbound(text: str) -> str:
    """Control characters become spaces and the text is cut to `MAX_INBOUND_CHARS`."""
    return _CONTROL.sub(" ", text or "")[:MAX_INBOUND_CHARS]
