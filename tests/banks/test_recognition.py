"""Which money-in lines are gig pay, on a table of descriptions as banks print them."""

from __future__ import annotations

from collections import Counter

import pytest

from banks.recognition import counterparty_key, recognise
from fakes.plaid.bank_data import generate_bank
from fakes.plaid.state import transaction_json

TABLE = [
    # (name, merchant, counterparty, category, expected)
    ("UBER *PAYOUT", "Uber", "Uber", "TRANSFER_IN_DEPOSIT", "uber"),
    ("Uber Technologies Inc - Instant Pay", None, None, "TRANSFER_IN_DEPOSIT", "uber"),
    ("UBER USA 6787 PAYMENTS PPD ID: 1800948598", None, None, "INCOME_WAGES", "uber"),
    ("UBER EATS PAYOUT", "Uber Eats", None, "TRANSFER_IN_DEPOSIT", "ubereats"),
    ("UBER *EATS PAYMENT", None, None, "TRANSFER_IN_DEPOSIT", "ubereats"),
    ("Lyft Inc", "Lyft", None, "TRANSFER_IN_DEPOSIT", "lyft"),
    ("LYFT *EXPRESS PAY", None, None, "TRANSFER_IN_DEPOSIT", "lyft"),
    ("DOORDASH DASHER", "DoorDash", None, "TRANSFER_IN_DEPOSIT", "doordash"),
    ("DoorDash, Inc. DIRECT DEP", None, None, "INCOME_WAGES", "doordash"),
    ("INSTACART SHOPPER PAY", None, None, "TRANSFER_IN_DEPOSIT", "instacart"),
    ("MAPLEBEAR INC DIRECT DEP", None, None, "INCOME_WAGES", "instacart"),
    ("GRUBHUB DRIVER PAYMENT", None, None, "TRANSFER_IN_DEPOSIT", "grubhub"),
    ("UPWORK ESCROW INC", None, None, "TRANSFER_IN_DEPOSIT", "upwork"),
    ("Upwork Global Inc -WITHDRAWAL", None, None, "TRANSFER_IN_DEPOSIT", "upwork"),
    ("FIVERR INTERNATIONAL PAYOUT", None, None, "TRANSFER_IN_DEPOSIT", "fiverr"),
    ("TASKRABBIT INC PAYOUT", None, None, "TRANSFER_IN_DEPOSIT", "taskrabbit"),
    ("ETSY DEPOSIT", None, None, "TRANSFER_IN_DEPOSIT", "etsy"),
    ("Etsy, Inc. DEPOSIT PPD ID: 1271200386", None, None, "TRANSFER_IN_DEPOSIT", "etsy"),
    ("UBER *TRIP REFUND", "Uber", "Uber", "TRANSPORTATION_TAXIS_AND_RIDE_SHARES", "not_income"),
    ("DOORDASH REFUND", "DoorDash", None, "FOOD_AND_DRINK_RESTAURANT", "not_income"),
    ("IRS TREAS 310 TAX REF", None, "IRS", "INCOME_TAX_REFUND", "not_income"),
    ("INTEREST PAYMENT", None, None, "INCOME_INTEREST_EARNED", "not_income"),
    ("ONLINE TRANSFER FROM SAV ...1234", None, None, "TRANSFER_IN_ACCOUNT_TRANSFER", "transfer"),
    ("EXTERNAL DEPOSIT FROM ...9876", None, None, "TRANSFER_IN_DEPOSIT", "transfer"),
    ("Venmo from J. Smith", None, "Venmo", "TRANSFER_IN_DEPOSIT", "unreviewed"),
    ("ZELLE FROM MARIA LOPEZ", None, None, "TRANSFER_IN_DEPOSIT", "unreviewed"),
    ("MOBILE CHECK DEPOSIT", None, None, "TRANSFER_IN_DEPOSIT", "unreviewed"),
]


def _txn(
    name: str, merchant: str | None, counterparty: str | None, category: str
) -> dict[str, object]:
    return {
        "name": name,
        "merchant_name": merchant,
        "counterparties": [{"name": counterparty}] if counterparty else [],
        "personal_finance_category": {"detailed": category},
        "amount": -100.0,
    }


@pytest.mark.parametrize(("name", "merchant", "counterparty", "category", "expected"), TABLE)
def test_descriptions_as_banks_print_them(
    name: str, merchant: str | None, counterparty: str | None, category: str, expected: str
) -> None:
    found = recognise(_txn(name, merchant, counterparty, category), own_masks={"1234", "9876"})
    assert (found.platform or found.classification) == expected


def test_a_workers_answer_is_used_for_the_same_payer_only() -> None:
    zelle = _txn("ZELLE FROM MARIA LOPEZ 11/03", None, None, "TRANSFER_IN_DEPOSIT")
    remembered = {counterparty_key(zelle): "taskrabbit"}
    assert recognise(zelle, remembered=remembered).platform == "taskrabbit"
    other = _txn("ZELLE FROM JOHN DOE", None, None, "TRANSFER_IN_DEPOSIT")
    assert recognise(other, remembered=remembered).classification == "unreviewed"
    assert counterparty_key(zelle) == counterparty_key(
        _txn("ZELLE FROM MARIA LOPEZ 12/01", None, None, "")
    )


def test_on_the_fakes_generated_banks_no_payout_is_missed_or_misplaced() -> None:
    scores: Counter[str] = Counter()
    for seed in range(30):
        bank = generate_bank(seed, months=24)
        masks = {a.mask for a in bank.accounts}
        for txn in bank.transactions:
            if txn.amount >= 0:
                continue
            found = recognise(transaction_json(txn), masks)
            got = found.platform or found.classification
            truth = txn.truth
            if truth not in {"transfer", "not_income"}:
                scores["payout"] += 1
                scores["payout right" if got == truth else "payout wrong"] += 1
            else:
                scores["other"] += 1
                scores[
                    "other kept out"
                    if got in {"transfer", "not_income", "unreviewed"}
                    else "other as income"
                ] += 1
    assert scores["payout"] > 2000
    assert scores["payout wrong"] == 0, scores
    assert scores["other as income"] == 0, scores
