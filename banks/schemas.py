"""The bank link's bodies at the API edge."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from actuarial.platforms import PLATFORMS

_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


class _Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class LinkTokenIn(_Strict):
    item_id: uuid.UUID | None = None
    """A link whose bank wants the worker to sign in again: the token opens Link in update
    mode for it. Leave out for a new link."""


class LinkTokenOut(msgspec.Struct, kw_only=True):
    link_token: str
    expiration: str


class PublicTokenIn(_Strict):
    public_token: Annotated[
        str,
        msgspec.Meta(min_length=1, max_length=200, pattern=_TEXT, examples=["public-sandbox-…"]),
    ]
    """What Plaid Link hands the worker's browser when they finish linking."""


class BankAccountOut(msgspec.Struct, kw_only=True):
    name: str | None
    mask: str | None
    subtype: str | None


class BankItemOut(msgspec.Struct, kw_only=True):
    id: str
    institution: str | None
    status: str
    """`active`, `login_required` (reconnect: ask a link token with this `item_id`) or
    `removed`."""
    status_text: str
    """The status in the worker's language."""
    action: str | None
    accounts: list[BankAccountOut]
    last_synced_at: str | None
    created_at: str


class DepositOut(msgspec.Struct, kw_only=True):
    id: str
    posted_on: str
    amount_minor: int
    currency: str
    description: str
    counterparty: str
    classification: str
    """`platform`, `transfer` (between the worker's own accounts), `not_income` or
    `unreviewed` (the worker is asked: answer with POST .../deposits/{id})."""
    platform: str | None
    decided_by: str
    """`rule`, `worker`, or `remembered` (the worker's answer about the same payer)."""


class DepositDecisionIn(_Strict):
    is_income: bool
    platform: Annotated[str, msgspec.Meta(examples=list(PLATFORMS))] | None = None
    """Which platform paid it, when `is_income`."""


class DepositDecisionOut(msgspec.Struct, kw_only=True):
    decided: list[DepositOut]
    """This deposit and every other unreviewed one from the same payer."""


class WebhookOut(msgspec.Struct, kw_only=True):
    status: str
    """`queued` (a sync will run), `recorded`, `duplicate` (a replay), or `ignored`."""
