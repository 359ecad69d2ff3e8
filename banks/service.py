"""The worker's bank links and the webhook, as the API (and pages) call them.

`BankLink` holds what every operation needs: the Plaid gateway, the sealer for access
tokens and the webhook verifier with its key cache. It is made once per process from the
settings; with no Plaid credentials it is off, and every worker operation says so with
`bank-link-off` instead of failing somewhere inside plaid-python.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from banks import repository
from banks.errors import (
    BankItemNotFound,
    BankLinkOff,
    BankLinkRefused,
    BankUnreachable,
    DepositAlreadyDecided,
    DepositNotFound,
    WebhookRejected,
)
from banks.models import BankDeposit, BankItem, CounterpartyChoice, PlaidWebhookReceipt
from banks.plaid_client import PlaidFailure, PlaidGateway, PlaidUnreachable
from banks.sync import make_income
from banks.webhooks import WebhookVerifier, token_digest
from core.clock import utcnow
from core.sealing import Sealer
from core.settings import Settings
from i18n.registry import BANK_STATUS
from i18n.render import translate

SEAL_PURPOSE = "plaid-access-token"


class BankLink:
    def __init__(self, settings: Settings, retired_secrets: tuple[str, ...] = ()) -> None:
        self.enabled = settings.plaid.enabled and bool(settings.secret_key)
        self.gateway: PlaidGateway | None = PlaidGateway(settings.plaid) if self.enabled else None
        self.sealer = (
            Sealer(settings.secret_key, SEAL_PURPOSE, retired_secrets)
            if settings.secret_key
            else None
        )
        gateway = self.gateway
        self.verifier = WebhookVerifier(gateway.verification_key) if gateway is not None else None

    def require(self) -> tuple[PlaidGateway, Sealer]:
        if self.gateway is None or self.sealer is None:
            raise BankLinkOff(
                "bank linking is off: the server has no Plaid credentials "
                "(MUTUA_PLAID_CLIENT_ID, MUTUA_PLAID_SECRET)"
            )
        return self.gateway, self.sealer


async def _plaid(call: Any) -> Any:
    """A Plaid call whose refusals the worker can act on, as problems."""
    try:
        return await call
    except PlaidUnreachable as exc:
        raise BankUnreachable(str(exc)) from None
    except PlaidFailure as failure:
        raise BankLinkRefused(
            failure.display_message or f"the bank connection was refused ({failure.code})",
            plaid_error_code=failure.code,
        ) from None


@dataclass(frozen=True)
class ItemView:
    id: str
    institution: str | None
    status: str
    status_text: str
    action: str | None
    """`reconnect` when the bank wants the worker to sign in again."""
    accounts: list[dict[str, str | None]]
    last_synced_at: str | None
    created_at: str


async def item_view(session: AsyncSession, item: BankItem, language: str) -> ItemView:
    accounts = await repository.accounts_of(session, [item.id])
    return ItemView(
        id=str(item.id),
        institution=item.institution_name,
        status=item.status,
        status_text=translate(BANK_STATUS[item.status], language),
        action="reconnect" if item.status == "login_required" else None,
        accounts=[{"name": a.name, "mask": a.mask, "subtype": a.subtype} for a in accounts],
        last_synced_at=item.last_synced_at.isoformat() if item.last_synced_at else None,
        created_at=item.created_at.isoformat(),
    )


async def link_token(
    session: AsyncSession,
    link: BankLink,
    worker_id: uuid.UUID,
    language: str,
    item_id: uuid.UUID | None = None,
) -> dict[str, str]:
    """A Link token; for an item that needs its login again, one in update mode."""
    gateway, sealer = link.require()
    access_token = None
    if item_id is not None:
        item = await repository.item_of_worker(session, worker_id, item_id)
        if item is None or item.status == "removed":
            raise BankItemNotFound(f"bank link {item_id} does not exist")
        access_token = sealer.open(item.access_token_sealed)
    answer = await _plaid(gateway.link_token(str(worker_id), language, access_token))
    return {"link_token": str(answer["link_token"]), "expiration": str(answer["expiration"])}


async def add_item(
    session: AsyncSession, link: BankLink, worker_id: uuid.UUID, public_token: str
) -> BankItem:
    """Exchange Link's public token and keep the item, its sync queued (the first sync of
    two years of history should not hold the worker's request)."""
    gateway, sealer = link.require()
    access_token, plaid_item_id = await _plaid(gateway.exchange(public_token))
    existing = await repository.item_by_plaid_id(session, plaid_item_id)
    if existing is not None:
        if existing.worker_id != worker_id:  # Plaid never reuses ids; refuse rather than share
            raise BankLinkRefused("this bank link belongs to someone else")
        return existing
    details = await _plaid(gateway.item(access_token))
    item = BankItem(
        worker_id=worker_id,
        plaid_item_id=plaid_item_id,
        access_token_sealed=sealer.seal(access_token),
        institution_id=details.get("institution_id"),
        institution_name=details.get("institution_name"),
        sync_requested_at=utcnow(),
    )
    session.add(item)
    await session.flush()
    return item


async def remove_item(
    session: AsyncSession, link: BankLink, worker_id: uuid.UUID, item_id: uuid.UUID
) -> None:
    """Removed at Plaid, then here: the token is destroyed, syncing stops, and the income
    already imported stays (its source says it came from the bank)."""
    gateway, sealer = link.require()
    item = await repository.item_of_worker(session, worker_id, item_id)
    if item is None or item.status == "removed":
        raise BankItemNotFound(f"bank link {item_id} does not exist")
    try:
        await gateway.remove(sealer.open(item.access_token_sealed))
    except PlaidFailure as failure:
        if failure.code not in {"INVALID_ACCESS_TOKEN", "ITEM_NOT_FOUND"}:
            raise BankLinkRefused(f"the bank refused to disconnect ({failure.code})") from None
    except PlaidUnreachable as exc:
        raise BankUnreachable(str(exc)) from None
    item.status = "removed"
    item.access_token_sealed = ""
    item.cursor = None
    item.sync_requested_at = None
    item.removed_at = utcnow()


async def recheck_item(
    session: AsyncSession, link: BankLink, worker_id: uuid.UUID, item_id: uuid.UUID
) -> BankItem:
    """After the worker signed in again through Link's update mode: ask Plaid whether the
    item works, and if it does, sync it again."""
    gateway, sealer = link.require()
    item = await repository.item_of_worker(session, worker_id, item_id)
    if item is None or item.status == "removed":
        raise BankItemNotFound(f"bank link {item_id} does not exist")
    details = await _plaid(gateway.item(sealer.open(item.access_token_sealed)))
    error = details.get("error")
    if error:
        item.status = "login_required"
        item.error_code = str(error.get("error_code"))
    else:
        item.status = "active"
        item.error_code = None
        item.sync_requested_at = utcnow()
    return item


def deposit_view(deposit: BankDeposit) -> dict[str, Any]:
    return {
        "id": str(deposit.id),
        "posted_on": deposit.posted_on.isoformat(),
        "amount_minor": deposit.amount_minor,
        "currency": deposit.currency,
        "description": deposit.description,
        "counterparty": deposit.counterparty_key,
        "classification": deposit.classification,
        "platform": deposit.platform,
        "decided_by": deposit.decided_by,
    }


async def deposits_page(
    session: AsyncSession,
    worker_id: uuid.UUID,
    classification: str | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> list[BankDeposit]:
    return await repository.deposits_page(session, worker_id, classification, after, limit)


async def decide_deposit(
    session: AsyncSession, worker_id: uuid.UUID, deposit_id: uuid.UUID, platform: str | None
) -> list[BankDeposit]:
    """The worker says what an unrecognised deposit is: income from `platform`, or (None)
    not income. The answer is kept for the counterparty, and every other unreviewed deposit
    from it follows; later deposits from it are recognised by it."""
    deposit = await repository.deposit_of_worker(session, worker_id, deposit_id)
    if deposit is None:
        raise DepositNotFound(f"deposit {deposit_id} does not exist")
    if deposit.classification != "unreviewed":
        raise DepositAlreadyDecided(
            f"deposit {deposit_id} is already recognised as {deposit.classification}"
        )
    remembered = await repository.choice(session, worker_id, deposit.counterparty_key)
    if remembered is None:
        try:
            async with session.begin_nested():
                session.add(
                    CounterpartyChoice(
                        worker_id=worker_id,
                        counterparty_key=deposit.counterparty_key,
                        platform=platform,
                    )
                )
        except IntegrityError:
            remembered = await repository.choice(session, worker_id, deposit.counterparty_key)
    if remembered is not None:
        remembered.platform = platform
        remembered.updated_at = utcnow()
    decided = []
    for row in await repository.unreviewed_from(session, worker_id, deposit.counterparty_key):
        row.classification = "platform" if platform else "not_income"
        row.platform = platform
        row.decided_by = "worker" if row.id == deposit.id else "remembered"
        row.updated_at = utcnow()
        await make_income(session, row)
        decided.append(row)
    return decided


async def receive_webhook(
    session: AsyncSession, link: BankLink, token: str | None, body: bytes
) -> str:
    """Verify, record once, and queue what the webhook asks for; never sync inline."""
    if link.verifier is None:
        raise WebhookRejected("bank linking is off; no webhook is expected")
    await link.verifier.verify(token, body)
    assert token is not None
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookRejected("the signed body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookRejected("the signed body is not a JSON object")
    webhook_type = str(payload.get("webhook_type", ""))[:32]
    code = str(payload.get("webhook_code", ""))[:64]
    plaid_item_id = payload.get("item_id")
    try:
        async with session.begin_nested():
            session.add(
                PlaidWebhookReceipt(
                    token_sha256=token_digest(token),
                    plaid_item_id=str(plaid_item_id)[:64] if plaid_item_id else None,
                    webhook_type=webhook_type,
                    webhook_code=code,
                )
            )
    except IntegrityError:
        return "duplicate"
    item = await repository.item_by_plaid_id(session, str(plaid_item_id)) if plaid_item_id else None
    if item is None or item.status == "removed":
        return "ignored"
    if webhook_type == "TRANSACTIONS" and code in {
        "SYNC_UPDATES_AVAILABLE",
        "DEFAULT_UPDATE",
        "INITIAL_UPDATE",
        "HISTORICAL_UPDATE",
    }:
        item.sync_requested_at = utcnow()
        return "queued"
    if webhook_type == "ITEM" and code in {
        "ERROR",
        "LOGIN_REPAIRED",
        "PENDING_EXPIRATION",
        "USER_PERMISSION_REVOKED",
    }:
        error = payload.get("error") or {}
        if code == "LOGIN_REPAIRED":
            item.status, item.error_code, item.sync_requested_at = "active", None, utcnow()
        elif code == "USER_PERMISSION_REVOKED" or (
            isinstance(error, dict) and error.get("error_code") == "ITEM_LOGIN_REQUIRED"
        ):
            item.status, item.error_code = (
                "login_required",
                code if code != "ERROR" else "ITEM_LOGIN_REQUIRED",
            )
        return "recorded"
    return "ignored"
