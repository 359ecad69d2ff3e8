"""Which money-in lines are gig income, and from which platform.

Banks print a payout in many ways ("UBER *PAYOUT", "Uber Technologies Inc - Instant Pay",
"UBER USA 6787 PAYMENTS PPD ID ..."). The rules below match the counterparty Plaid names,
the merchant name and the description, folded to upper case; the first platform whose
pattern matches wins, so the narrower one goes first (Uber Eats before Uber). Adding a
platform or a new bank wording is one line in `RULES`.

Before any platform rule: a line is the worker's own money moving (`transfer`) when Plaid
calls it an account transfer or its text names the mask of another of the worker's linked
accounts; it is `not_income` when it is a refund or reversal (Uber refunding a ride is money
from Uber, but not pay) or a tax refund, interest or dividends. What no rule recognises is
`unreviewed`: the worker is asked once, and the answer is kept for that counterparty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

RULES: tuple[tuple[str, str], ...] = (
    ("ubereats", r"\bUBER\s*\*?\s*EATS\b"),
    ("uber", r"\bUBER\b"),
    ("lyft", r"\bLYFT\b"),
    ("doordash", r"\bDOOR\s?DASH\b|\bDASHER\b"),
    ("instacart", r"\bINSTACART\b|\bMAPLEBEAR\b"),
    ("grubhub", r"\bGRUB\s?HUB\b"),
    ("upwork", r"\bUPWORK\b"),
    ("fiverr", r"\bFIVERR\b"),
    ("taskrabbit", r"\bTASK\s?RABBIT\b"),
    ("etsy", r"\bETSY\b"),
)
"""(platform, pattern) in the order they are tried."""

NOT_PAY = re.compile(
    r"\b(REFUND|REVERSAL|REVERSED|RETURN(ED)?|CHARGEBACK|CASH\s?BACK|ADJUSTMENT CREDIT)\b"
)
NOT_INCOME_CATEGORIES = frozenset(
    {
        "INCOME_TAX_REFUND",
        "INCOME_INTEREST_EARNED",
        "INCOME_DIVIDENDS",
        "INCOME_RETIREMENT_PENSION",
        "INCOME_UNEMPLOYMENT",
        "LOAN_DISBURSEMENTS_OTHER",
    }
)
TRANSFER_CATEGORIES = frozenset({"TRANSFER_IN_ACCOUNT_TRANSFER", "TRANSFER_IN_SAVINGS"})
_MASK_IN_TEXT = re.compile(r"(?:\.{2,}|X{2,}|\*{1,}|#|ENDING IN\s*)(\d{4})\b")

_COMPILED = tuple((platform, re.compile(pattern)) for platform, pattern in RULES)


@dataclass(frozen=True)
class Recognition:
    classification: str
    """`platform`, `transfer`, `not_income` or `unreviewed` (see `banks.models`)."""
    platform: str | None = None
    decided_by: str = "rule"


def fold(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").upper()).strip()


def _counterparty_names(transaction: Mapping[str, object]) -> list[str]:
    counterparties = transaction.get("counterparties")
    if not isinstance(counterparties, list):
        return []
    return [str(c["name"]) for c in counterparties if isinstance(c, dict) and c.get("name")]


def counterparty_key(transaction: Mapping[str, object]) -> str:
    """Who paid, as one folded string without numbers (dates, reference numbers and store
    ids change from deposit to deposit; the payer does not)."""
    named = _counterparty_names(transaction)
    base = (
        str(named[0])
        if named
        else str(transaction.get("merchant_name") or transaction.get("name") or "")
    )
    folded = fold(re.sub(r"[\d#*.,:;/\\-]+", " ", base))
    return folded[:128] or "UNKNOWN"


def _texts(transaction: Mapping[str, object]) -> str:
    names = _counterparty_names(transaction)
    return fold(
        " | ".join(
            [
                *names,
                str(transaction.get("merchant_name") or ""),
                str(transaction.get("name") or ""),
            ]
        )
    )


def recognise(
    transaction: Mapping[str, object],
    own_masks: Iterable[str] = (),
    remembered: Mapping[str, str | None] | None = None,
) -> Recognition:
    """What a money-in transaction is. `own_masks`: masks of the worker's other accounts;
    `remembered`: the worker's earlier answers by counterparty key (None: not income)."""
    category = transaction.get("personal_finance_category") or {}
    detailed = str(category.get("detailed") or "") if isinstance(category, dict) else ""
    text = _texts(transaction)
    masks = set(own_masks)
    if detailed in TRANSFER_CATEGORIES or any(m in masks for m in _MASK_IN_TEXT.findall(text)):
        return Recognition("transfer")
    if NOT_PAY.search(text) or detailed in NOT_INCOME_CATEGORIES:
        return Recognition("not_income")
    for platform, pattern in _COMPILED:
        if pattern.search(text):
            return Recognition("platform", platform)
    if remembered:
        key = counterparty_key(transaction)
        if key in remembered:
            answer = remembered[key]
            if answer is None:
                return Recognition("not_income", None, "remembered")
            return Recognition("platform", answer, "remembered")
    return Recognition("unreviewed")
