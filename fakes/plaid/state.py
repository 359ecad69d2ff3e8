"""The fake's memory: items, their bank data, and the change log that cursors walk.

Every change to an item's transactions is appended to its log as (kind, transaction); a
cursor is a position in that log plus the log's length when its pagination began, so a
change that lands between two pages is seen exactly as Plaid reports it:
`TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION`, and the client starts that update again.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fakes.plaid.bank_data import FakeBank, FakeTransaction, IdMaker, generate_bank

INSTITUTIONS = {
    "ins_109508": "First Platypus Bank",
    "ins_109509": "First Gingham Credit Union",
    "ins_109510": "Tattersall Federal Credit Union",
    "ins_109511": "Tartan Bank",
}


class PlaidProblem(Exception):
    """An error as Plaid returns it: HTTP status plus Plaid's error object."""

    def __init__(
        self,
        status: int,
        error_type: str,
        error_code: str,
        message: str,
        display_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, object] = {
            "error_type": error_type,
            "error_code": error_code,
            "error_message": message,
            "display_message": display_message,
            "causes": [],
            "status": status,
            "documentation_url": f"https://plaid.com/docs/errors/#{error_code.lower()}",
            "suggested_action": None,
        }


@dataclass
class FakeItem:
    item_id: str
    access_token: str
    institution_id: str
    bank: FakeBank
    webhook: str | None
    ids: IdMaker
    log: list[tuple[str, FakeTransaction]] = field(default_factory=list)
    login_required: bool = False
    mutate_after_page: bool = False

    def record(self, kind: str, txn: FakeTransaction) -> None:
        self.log.append((kind, txn))


@dataclass
class FakeState:
    client_id: str
    secret: str
    link_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    public_tokens: dict[str, FakeItem] = field(default_factory=dict)
    items: dict[str, FakeItem] = field(default_factory=dict)
    by_token: dict[str, FakeItem] = field(default_factory=dict)
    seeds: int = 0
    end: date | None = None
    """Last month of generated history (today's by default)."""

    def new_item(self, institution_id: str, webhook: str | None, username: str | None) -> FakeItem:
        """A new item with its bank history. `user_seed_<n>` as the sandbox username picks the
        data set, as Plaid's sandbox users pick theirs; otherwise each item gets the next."""
        if institution_id not in INSTITUTIONS:
            raise PlaidProblem(
                400,
                "INVALID_INPUT",
                "INVALID_INSTITUTION",
                f"institution {institution_id} does not exist",
            )
        if username and username.startswith("user_seed_") and username[10:].isdigit():
            seed = int(username[10:])
        else:
            self.seeds += 1
            seed = self.seeds
        namespace = f"{institution_id}:{uuid.uuid4().hex[:6]}"
        bank = generate_bank(seed, end=self.end, namespace=namespace)
        item = FakeItem(
            item_id=uuid.uuid4().hex[:32],
            access_token=f"access-sandbox-{uuid.uuid4()}",
            institution_id=institution_id,
            bank=bank,
            webhook=webhook,
            ids=IdMaker(namespace + ":later"),
        )
        for txn in bank.transactions:
            item.record("added", txn)
        return item

    def item_for(self, access_token: str) -> FakeItem:
        item = self.by_token.get(access_token)
        if item is None:
            raise PlaidProblem(
                400,
                "INVALID_INPUT",
                "INVALID_ACCESS_TOKEN",
                "provided access token is in an invalid format or was removed",
            )
        return item


def encode_cursor(position: int, snapshot: int) -> str:
    raw = json.dumps({"p": position, "n": snapshot}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[int, int | None]:
    if not cursor:
        return 0, None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        return int(data["p"]), int(data["n"])
    except (ValueError, KeyError, TypeError):
        raise PlaidProblem(
            400, "INVALID_INPUT", "INVALID_FIELD", "cursor is not a cursor this item returned"
        ) from None


def transaction_json(txn: FakeTransaction) -> dict[str, Any]:
    """A transaction as `/transactions/sync` returns it (the fields plaid-python requires)."""
    primary = txn.pfc_detailed.split("_")[0]
    for known in (
        "TRANSFER_IN",
        "TRANSFER_OUT",
        "FOOD_AND_DRINK",
        "GENERAL_MERCHANDISE",
        "RENT_AND_UTILITIES",
        "LOAN_PAYMENTS",
    ):
        if txn.pfc_detailed.startswith(known):
            primary = known
    day = txn.day.isoformat()
    return {
        "account_id": txn.account_id,
        "account_owner": None,
        "amount": txn.amount,
        "iso_currency_code": txn.currency,
        "unofficial_currency_code": None,
        "category": None,
        "category_id": None,
        "check_number": None,
        "counterparties": (
            [
                {
                    "name": txn.counterparty,
                    "type": "marketplace" if txn.merchant_name else "financial_institution",
                    "website": None,
                    "logo_url": None,
                    "entity_id": None,
                    "confidence_level": "HIGH",
                    "phone_number": None,
                    "account_numbers": None,
                }
            ]
            if txn.counterparty
            else []
        ),
        "date": day,
        "datetime": None,
        "authorized_date": day,
        "authorized_datetime": None,
        "location": {
            "address": None,
            "city": None,
            "region": None,
            "postal_code": None,
            "country": None,
            "lat": None,
            "lon": None,
            "store_number": None,
        },
        "logo_url": None,
        "merchant_entity_id": None,
        "merchant_name": txn.merchant_name,
        "name": txn.name,
        "original_description": None,
        "payment_channel": "other",
        "payment_meta": {
            "by_order_of": None,
            "payee": None,
            "payer": None,
            "payment_method": None,
            "payment_processor": None,
            "ppd_id": None,
            "reason": None,
            "reference_number": None,
        },
        "pending": txn.pending,
        "pending_transaction_id": None,
        "personal_finance_category": {
            "primary": primary,
            "detailed": txn.pfc_detailed,
            "confidence_level": "HIGH",
        },
        "personal_finance_category_icon_url": "https://plaid-category-icons.plaid.com/PFC_INCOME.png",
        "transaction_code": None,
        "transaction_id": txn.transaction_id,
        "transaction_type": "special",
        "website": None,
    }
