"""A batch of transfer requests, checked and decided in memory before anything is written.

`pools.ledger` reads what a batch needs (its locked accounts, the stored transfers its ids
name, which of those are reversed) in a fixed few statements, then hands the requests here
one by one, in order. Each is settled as a replay, refused, or added to the rows to write,
against balances that already include the batch's earlier transfers, so the outcome is
exactly that of posting them one at a time, and the first refusal wins. Nothing here talks
to the database; the writer does, once the whole batch stands.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm.attributes import set_committed_value

from core.clock import utcnow
from core.errors import (
    AccountNotFound,
    AlreadyReversed,
    CurrencyMismatch,
    InsufficientFunds,
    InvalidPeriod,
    InvalidTransfer,
    TransferIdConflict,
    TransferNotFound,
)
from core.money import MAX_MINOR
from core.periods import Period
from pools.ledger_models import TRANSFER_REASONS, LedgerAccount, LedgerTransfer

MEMO_MAX = 200


@dataclass(frozen=True)
class TransferRequest:
    """What a caller asks to post; `id` is made by the caller and is the idempotency key."""

    id: uuid.UUID
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount_minor: int
    currency: str
    reason: str
    period: str | None = None
    memo: str | None = None
    reverses_id: uuid.UUID | None = None


@dataclass(frozen=True)
class PostResult:
    transfer: LedgerTransfer
    replayed: bool
    """True when the transfer had been posted before and this call changed nothing."""


def check_request(request: TransferRequest) -> None:
    """Refuse a malformed request before touching the database."""
    for name in ("id", "debit_account_id", "credit_account_id"):
        if not isinstance(getattr(request, name), uuid.UUID):
            raise InvalidTransfer(f"{name} must be a UUID")
    amount = request.amount_minor
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidTransfer("amount_minor must be an integer number of minor units")
    if not 0 < amount <= MAX_MINOR:
        raise InvalidTransfer("amount_minor must be positive and within range")
    if request.debit_account_id == request.credit_account_id:
        raise InvalidTransfer("a transfer moves money between two different accounts")
    if not isinstance(request.currency, str):
        raise InvalidTransfer("currency must be an ISO 4217 code")
    if request.reason not in TRANSFER_REASONS:
        raise InvalidTransfer(f"{request.reason!r} is not a transfer reason")
    if (request.reason == "reversal") != (request.reverses_id is not None):
        raise InvalidTransfer("a reversal, and only a reversal, names the transfer it reverses")
    if request.reverses_id is not None and not isinstance(request.reverses_id, uuid.UUID):
        raise InvalidTransfer("reverses_id must be a UUID")
    if request.period is not None:
        try:
            canonical = str(Period.parse(request.period))
        except InvalidPeriod as exc:
            raise InvalidTransfer(exc.detail) from exc
        if canonical != request.period:
            raise InvalidTransfer(f"period must be written {canonical}")
    if request.memo is not None and (
        not isinstance(request.memo, str) or len(request.memo) > MEMO_MAX
    ):
        raise InvalidTransfer(f"memo must be text of at most {MEMO_MAX} characters")


class Batch:
    """A batch's transfers decided in order against the locked accounts, in memory.

    `known` holds every transfer an id in the batch may name: the stored ones and those the
    batch has posted so far. `held` is each account's balance as the batch has moved it,
    so a later transfer sees what an earlier one did, exactly as posting them one by one.
    """

    def __init__(
        self,
        accounts: dict[uuid.UUID, LedgerAccount],
        stored: dict[uuid.UUID, LedgerTransfer],
        reversed_by: dict[uuid.UUID, uuid.UUID],
    ) -> None:
        self.accounts = accounts
        self.known = dict(stored)
        self.reversed_by = dict(reversed_by)
        self.held = {
            a.id: a.credits_posted_minor - a.debits_posted_minor for a in accounts.values()
        }
        self.debited: dict[uuid.UUID, int] = {}
        self.credited: dict[uuid.UUID, int] = {}
        self.rows: list[dict[str, Any]] = []
        self.results: list[PostResult] = []

    def post(self, request: TransferRequest) -> None:
        """Settle one request as a replay, refuse it, or add it to what will be written."""
        earlier = self.known.get(request.id)
        if earlier is not None:
            if _fields(earlier) != _fields(request):
                raise TransferIdConflict(
                    f"transfer {request.id} was already posted with other fields",
                    transfer_id=request.id,
                )
            self.results.append(PostResult(transfer=earlier, replayed=True))
            return
        debit, credit = self._accounts_of(request)
        if request.reverses_id is not None:
            self._check_reversal(request)
        amount = request.amount_minor
        available = self.held[debit.id]
        if debit.debits_must_not_exceed_credits and available < amount:
            raise InsufficientFunds(
                f"account {debit.id} holds {available} and cannot be debited {amount}",
                account_id=debit.id,
                available_minor=available,
                amount_minor=amount,
            )
        self.held[debit.id] = available - amount
        self.held[credit.id] += amount
        self.debited[debit.id] = self.debited.get(debit.id, 0) + amount
        self.credited[credit.id] = self.credited.get(credit.id, 0) + amount
        row: dict[str, Any] = {
            "id": request.id,
            "pool_id": debit.pool_id,
            "debit_account_id": debit.id,
            "credit_account_id": credit.id,
            "amount_minor": amount,
            "currency": request.currency,
            "reason": request.reason,
            "period": request.period,
            "reverses_id": request.reverses_id,
            "memo": request.memo,
            "created_at": utcnow(),
        }
        transfer = LedgerTransfer(**row)
        self.rows.append(row)
        self.known[request.id] = transfer
        if request.reverses_id is not None:
            self.reversed_by[request.reverses_id] = request.id
        self.results.append(PostResult(transfer=transfer, replayed=False))

    def _accounts_of(self, request: TransferRequest) -> tuple[LedgerAccount, LedgerAccount]:
        sides = []
        for account_id in (request.debit_account_id, request.credit_account_id):
            account = self.accounts.get(account_id)
            if account is None:
                raise AccountNotFound(f"account {account_id} does not exist", account_id=account_id)
            sides.append(account)
        debit, credit = sides
        if debit.pool_id != credit.pool_id:
            raise InvalidTransfer("both accounts of a transfer belong to the same pool")
        if not request.currency == debit.currency == credit.currency:
            raise CurrencyMismatch(
                f"transfer in {request.currency} between accounts in {debit.currency} "
                f"and {credit.currency}"
            )
        return debit, credit

    def _check_reversal(self, request: TransferRequest) -> None:
        """The original exists (stored, or earlier in this batch), is mirrored, and is not
        reversed yet (by a stored transfer, or by an earlier one in this batch)."""
        assert request.reverses_id is not None
        original = self.known.get(request.reverses_id)
        if original is None:
            raise TransferNotFound(
                f"transfer {request.reverses_id} does not exist", transfer_id=request.reverses_id
            )
        if (
            original.debit_account_id != request.credit_account_id
            or original.credit_account_id != request.debit_account_id
            or original.amount_minor != request.amount_minor
            or original.currency != request.currency
        ):
            raise InvalidTransfer("a reversal moves the same amount back between the same accounts")
        earlier = self.reversed_by.get(original.id)
        if earlier is not None:
            raise AlreadyReversed(
                f"transfer {original.id} was already reversed by {earlier}",
                transfer_id=original.id,
                reversal_id=earlier,
            )

    def movements(self) -> list[dict[str, Any]]:
        """Each moved account's increments, in id order like the locks."""
        moved = sorted(self.debited.keys() | self.credited.keys())
        return [
            {
                "account_id": account_id,
                "debited": self.debited.get(account_id, 0),
                "credited": self.credited.get(account_id, 0),
            }
            for account_id in moved
        ]

    def settle_accounts(self) -> None:
        """Bring the loaded account objects to the posted sums the database now holds.

        Set as committed values, not as changes: a later flush must never write them back.
        """
        for account_id, amount in self.debited.items():
            account = self.accounts[account_id]
            set_committed_value(
                account, "debits_posted_minor", account.debits_posted_minor + amount
            )
        for account_id, amount in self.credited.items():
            account = self.accounts[account_id]
            set_committed_value(
                account, "credits_posted_minor", account.credits_posted_minor + amount
            )


def _fields(item: TransferRequest | LedgerTransfer) -> tuple[object, ...]:
    """What makes two postings of one id the same transfer (TigerBeetle compares them all)."""
    return (
        item.debit_account_id,
        item.credit_account_id,
        item.amount_minor,
        item.currency,
        item.reason,
        item.period,
        item.memo,
        item.reverses_id,
    )
