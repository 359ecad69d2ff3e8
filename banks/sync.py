"""Transactions Sync for one item: every page of an update fetched first, then applied in
one transaction, so a crash or a mid-pagination change never leaves half an update.

Plaid's rule for `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION` is to restart the whole
update from the cursor it started at; that is the item's saved cursor, which only moves
when an update has been applied. Applying is idempotent by `transaction_id`, and a second
sync of the same item that finds the cursor already moved applies nothing.

Pending transactions are left alone: Plaid sends the posted one later (with the pending one
in `removed`), and income is counted when it is posted.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from banks import repository
from banks.models import BankAccount, BankDeposit, BankItem
from banks.plaid_client import PlaidFailure, PlaidGateway, PlaidUnreachable, SyncPage
from banks.recognition import Recognition, counterparty_key, recognise
from core.clock import utcnow
from core.errors import InvalidAmount
from core.money import Money, parse_amount
from core.sealing import Sealer
from core.settings import Settings
from i18n import choose_language
from income import repository as income_repository
from income.models import IncomeRecord
from notifications.outbox import enqueue_sms
from pools.models import Worker

log = logging.getLogger(__name__)

MUTATION = "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"
ASK_RECENT_DAYS = 35
RESTARTS = 3


@dataclass
class SyncResult:
    item_id: uuid.UUID
    outcome: str = "synced"
    """`synced`, `login_required`, `failed` (Plaid refused), `unreachable`, `skipped`."""
    added: int = 0
    modified: int = 0
    removed: int = 0
    income_records: int = 0
    unreviewed: int = 0
    restarts: int = 0
    error_code: str | None = None
    counts: dict[str, int] = field(default_factory=dict)


async def _fetch_update(gateway: PlaidGateway, token: str, cursor: str | None) -> list[SyncPage]:
    pages: list[SyncPage] = []
    while True:
        page = await gateway.sync_page(token, cursor)
        pages.append(page)
        cursor = page.next_cursor
        if not page.has_more:
            return pages


async def sync_item(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PlaidGateway,
    sealer: Sealer,
    item_id: uuid.UUID,
) -> SyncResult:
    result = SyncResult(item_id)
    async with sessions() as session:
        item = await session.get(BankItem, item_id)
        if item is None or item.status != "active":
            result.outcome = "skipped"
            return result
        token = sealer.open(item.access_token_sealed)
        start_cursor, requested = item.cursor, item.sync_requested_at
    for attempt in range(RESTARTS + 1):
        try:
            pages = await _fetch_update(gateway, token, start_cursor)
            break
        except PlaidFailure as failure:
            if failure.code == MUTATION and attempt < RESTARTS:
                result.restarts += 1
                continue
            result.outcome = "login_required" if failure.login_required else "failed"
            result.error_code = failure.code
            await _record_failure(sessions, item_id, failure)
            return result
        except PlaidUnreachable:
            result.outcome = "unreachable"
            return result
    async with sessions() as session:
        locked = await repository.lock_item(session, item_id)
        if locked is None or locked.cursor != start_cursor or locked.status != "active":
            result.outcome = "skipped"  # another sync applied this update first
            return result
        await _apply(session, locked, pages, result)
        locked.cursor = pages[-1].next_cursor
        locked.last_synced_at = utcnow()
        locked.error_code = None
        if locked.sync_requested_at == requested:
            locked.sync_requested_at = None
        await session.commit()
    return result


async def _record_failure(
    sessions: async_sessionmaker[AsyncSession], item_id: uuid.UUID, failure: PlaidFailure
) -> None:
    async with sessions() as session:
        item = await repository.lock_item(session, item_id)
        if item is None:
            return
        item.error_code = failure.code
        item.sync_requested_at = None
        if failure.login_required:
            item.status = "login_required"
        await session.commit()
    log.warning("bank item %s: Plaid %s", item_id, failure.code)


async def _apply(
    session: AsyncSession, item: BankItem, pages: list[SyncPage], result: SyncResult
) -> None:
    await _apply_accounts(session, item, pages[-1].accounts)
    masks = await repository.worker_masks(session, item.worker_id)
    remembered = await repository.choices_of(session, item.worker_id)
    for page in pages:
        changed = [*page.added, *page.modified]
        known = await repository.deposits_by_transaction(
            session, [str(t["transaction_id"]) for t in [*changed, *page.removed]]
        )
        for txn in page.added:
            result.added += 1
            await _upsert(session, item, txn, known, masks, remembered, result)
        for txn in page.modified:
            result.modified += 1
            await _upsert(session, item, txn, known, masks, remembered, result)
        for gone in page.removed:
            deposit = known.pop(str(gone["transaction_id"]), None)
            if deposit is not None:
                result.removed += 1
                await _forget(session, deposit)


async def _apply_accounts(
    session: AsyncSession, item: BankItem, accounts: list[dict[str, Any]]
) -> None:
    stored = {a.plaid_account_id: a for a in await repository.accounts_of(session, [item.id])}
    for account in accounts:
        row = stored.get(str(account["account_id"]))
        if row is None:
            row = BankAccount(item_id=item.id, plaid_account_id=str(account["account_id"]))
            session.add(row)
        row.mask = account.get("mask")
        row.name = account.get("name")
        row.subtype = account.get("subtype")
    await session.flush()


def _money_in(txn: Mapping[str, Any]) -> tuple[int, str] | None:
    """(minor units, currency) of money coming in; None for money going out."""
    currency = txn.get("iso_currency_code")
    amount = float(txn.get("amount") or 0)
    if amount >= 0 or not currency:
        return None
    try:
        money = parse_amount(repr(round(-amount, 6)), str(currency))
    except InvalidAmount:
        return None
    return money.amount_minor, money.currency


async def _upsert(
    session: AsyncSession,
    item: BankItem,
    txn: Mapping[str, Any],
    known: dict[str, BankDeposit],
    masks: set[str],
    remembered: Mapping[str, str | None],
    result: SyncResult,
) -> None:
    transaction_id = str(txn["transaction_id"])
    deposit = known.get(transaction_id)
    money = None if txn.get("pending") else _money_in(txn)
    if money is None:  # pending, or money out: nothing of it is income
        if deposit is not None:
            await _forget(session, deposit)
            known.pop(transaction_id, None)
        return
    amount_minor, currency = money
    key = counterparty_key(txn)
    if deposit is not None and deposit.decided_by == "worker":
        recognition = Recognition(deposit.classification, deposit.platform, "worker")
    else:
        recognition = recognise(txn, masks, remembered)
    posted_on = date.fromisoformat(str(txn["date"]))
    if deposit is None:
        deposit = BankDeposit(
            item_id=item.id,
            worker_id=item.worker_id,
            transaction_id=transaction_id,
            plaid_account_id=str(txn["account_id"]),
            posted_on=posted_on,
            amount_minor=amount_minor,
            currency=currency,
            description=str(txn.get("name") or "")[:256],
            counterparty_key=key,
            classification=recognition.classification,
            platform=recognition.platform,
            decided_by=recognition.decided_by,
        )
        session.add(deposit)
        await session.flush()
        known[transaction_id] = deposit
    else:
        deposit.posted_on, deposit.amount_minor, deposit.currency = (
            posted_on,
            amount_minor,
            currency,
        )
        deposit.description = str(txn.get("name") or "")[:256]
        deposit.counterparty_key = key
        deposit.classification, deposit.platform = recognition.classification, recognition.platform
        deposit.decided_by = recognition.decided_by
        deposit.updated_at = utcnow()
    result.counts[recognition.classification] = result.counts.get(recognition.classification, 0) + 1
    if recognition.classification == "unreviewed":
        result.unreviewed += 1
        await ask_about(session, deposit)
    await make_income(session, deposit)
    if deposit.income_record_id is not None:
        result.income_records += 1


async def make_income(session: AsyncSession, deposit: BankDeposit) -> None:
    """The deposit's income record made to match what the deposit now is: one record per
    platform deposit, none for anything else; a changed deposit replaces its record."""
    if deposit.income_record_id is not None:
        record = await session.get(IncomeRecord, deposit.income_record_id)
        if (
            record is not None
            and deposit.classification == "platform"
            and (record.platform, record.amount_minor, record.earned_on, record.currency)
            == (deposit.platform, deposit.amount_minor, deposit.posted_on, deposit.currency)
        ):
            return
        deposit.income_record_id = None
        await session.flush()
        if record is not None:
            await income_repository.delete_record(session, record)
    if deposit.classification != "platform" or deposit.platform is None:
        return
    source = await income_repository.get_or_create_source(
        session, deposit.worker_id, "plaid", deposit.platform
    )
    await session.flush()
    record = IncomeRecord(
        worker_id=deposit.worker_id,
        source_id=source.id,
        platform=deposit.platform,
        kind="plaid",
        period=deposit.posted_on.strftime("%Y-%m"),
        earned_on=deposit.posted_on,
        amount_minor=deposit.amount_minor,
        currency=deposit.currency,
        external_id=deposit.transaction_id,
    )
    session.add(record)
    await session.flush()
    deposit.income_record_id = record.id


async def _forget(session: AsyncSession, deposit: BankDeposit) -> None:
    record_id = deposit.income_record_id
    await session.delete(deposit)
    await session.flush()
    if record_id is not None:
        record = await session.get(IncomeRecord, record_id)
        if record is not None:
            await income_repository.delete_record(session, record)


async def sync_requested(
    sessions: async_sessionmaker[AsyncSession], gateway: PlaidGateway, sealer: Sealer
) -> list[SyncResult]:
    """Drain the sync queue: every item a webhook or a new link asked to sync."""
    results: list[SyncResult] = []
    while True:
        async with sessions() as session:
            due = await repository.items_to_sync(session)
        due = [i for i in due if i not in {r.item_id for r in results}]
        if not due:
            return results
        for item_id in due:
            results.append(await sync_item(sessions, gateway, sealer, item_id))


async def sync_all(
    sessions: async_sessionmaker[AsyncSession], gateway: PlaidGateway, sealer: Sealer
) -> list[SyncResult]:
    async with sessions() as session:
        items = await repository.active_items(session)
    return [await sync_item(sessions, gateway, sealer, item_id) for item_id in items]


async def drain_forever(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PlaidGateway,
    sealer: Sealer,
    every: float = 60.0,
) -> None:
    """The queue's safety net: a webhook's sync normally runs right after its answer, but a
    process that died in between leaves the request in the table, and this picks it up."""
    while True:
        try:
            await sync_requested(sessions, gateway, sealer)
        except Exception:
            log.exception("bank sync queue")
        await asyncio.sleep(every)


async def sync_pool(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PlaidGateway,
    sealer: Sealer,
    pool_id: uuid.UUID,
) -> list[SyncResult]:
    """Every linked item of the pool's members, before the monthly run closes income."""
    async with sessions() as session:
        items = await repository.items_of_pool(session, pool_id)
    return [await sync_item(sessions, gateway, sealer, item_id) for item_id in items]


def pool_sync_for(
    settings: Settings,
) -> Callable[[async_sessionmaker[AsyncSession], uuid.UUID], Awaitable[dict[str, int]]]:
    """The monthly run's hook: sync the pool's banks, count the outcomes. A bank that fails
    is counted, never a reason to stop the month: its income simply is what arrived."""
    from banks.service import BankLink

    link = BankLink(settings)

    async def sync(
        sessions: async_sessionmaker[AsyncSession], pool_id: uuid.UUID
    ) -> dict[str, int]:
        gateway, sealer = link.require()
        counts: dict[str, int] = {}
        for result in await sync_pool(sessions, gateway, sealer, pool_id):
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
        return counts

    return sync


async def ask_about(session: AsyncSession, deposit: BankDeposit) -> None:
    """Text the worker about a deposit nothing recognised, once per payer: their answer is
    kept for every deposit from it (`DEPOSIT uber`, `DEPOSIT NO`, or the API). Only recent
    deposits are texted about: a first sync's two years of history wait on the web and the
    API instead of arriving as a burst of texts."""
    if deposit.posted_on < utcnow().date() - timedelta(days=ASK_RECENT_DAYS):
        return
    worker = await session.get(Worker, deposit.worker_id)
    if worker is None:
        return
    language = choose_language(
        chosen=worker.language, accept_language=None, phone_e164=worker.phone_e164,
        pool_default=None,
    )  # fmt: skip
    payer = hashlib.sha256(deposit.counterparty_key.encode()).hexdigest()[:16]
    await enqueue_sms(
        session, to=worker.phone_e164, template="bank.deposit_ask", language=language,
        values={"amount": Money(deposit.amount_minor, deposit.currency),
                "payer": payer_label(deposit.counterparty_key)},
        dedup_key=f"bank-deposit-ask:{worker.id}:{payer}",
    )  # fmt: skip


def payer_label(counterparty_key: str) -> str:
    """The payer as a text can show it: the folded key, cut to what the templates budget."""
    return counterparty_key[:32].strip()
