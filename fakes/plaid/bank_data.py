"""What a gig worker's bank account shows, with the truth about each line kept beside it.

Each platform's monthly income comes from `actuarial.synthetic` and is cut into the
deposits that platform really makes (weekly pay, instant cash-outs, project releases),
described as bank statements print them. Around them: card spending (some of it at the same
platforms, which is money out), refunds from platforms (money in that is not income), money
from friends, tax refunds, interest, and transfers from the worker's own savings. `truth` is
what a careful person would call each line; the classification benchmark scores against it.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from actuarial.synthetic import generate_population

DESCRIPTIONS: dict[str, tuple[tuple[str, str | None, str | None], ...]] = {
    # (name as the bank prints it, merchant_name, counterparty name)
    "uber": (
        ("UBER *PAYOUT", "Uber", "Uber"),
        ("Uber Technologies Inc - Instant Pay", "Uber", "Uber"),
        ("UBER USA 6787 PAYMENTS PPD ID: 1800948598", None, "Uber"),
    ),
    "ubereats": (
        ("UBER EATS PAYOUT", "Uber Eats", "Uber Eats"),
        ("UBER *EATS PAYMENT", None, None),
    ),
    "lyft": (
        ("Lyft Inc", "Lyft", "Lyft"),
        ("LYFT *EXPRESS PAY", "Lyft", None),
        ("LYFT INC DRIVER PAYOUT PPD ID: 1455132939", None, "Lyft"),
    ),
    "doordash": (
        ("DOORDASH DASHER", "DoorDash", "DoorDash"),
        ("DoorDash, Inc. DIRECT DEP", None, "DoorDash"),
        ("DOORDASH INC FAST PAY", "DoorDash", None),
    ),
    "instacart": (
        ("INSTACART SHOPPER PAY", "Instacart", "Instacart"),
        ("MAPLEBEAR INC DIRECT DEP", None, None),
    ),
    "grubhub": (
        ("GRUBHUB DRIVER PAYMENT", "Grubhub", "Grubhub"),
        ("GrubHub Holdings DIRECT DEP", None, None),
    ),
    "upwork": (
        ("UPWORK ESCROW INC", "Upwork", "Upwork"),
        ("Upwork Global Inc -WITHDRAWAL", None, "Upwork"),
    ),
    "fiverr": (
        ("FIVERR INTERNATIONAL PAYOUT", "Fiverr", "Fiverr"),
        ("PAYONEER FIVERR WITHDRAWAL", None, None),
    ),
    "taskrabbit": (
        ("TASKRABBIT INC PAYOUT", "Taskrabbit", "Taskrabbit"),
        ("STRIPE TRANSFER TASKRABBIT", None, "Taskrabbit"),
    ),
    "etsy": (
        ("ETSY DEPOSIT", "Etsy", "Etsy"),
        ("Etsy, Inc. DEPOSIT PPD ID: 1271200386", None, "Etsy"),
    ),
}

SPENDING: tuple[tuple[str, str | None, float, float, str], ...] = (
    # (name, merchant, low, high, personal finance category primary)
    ("UBER *TRIP HELP.UBER.COM", "Uber", 8, 40, "TRANSPORTATION"),
    ("UBER *EATS", "Uber Eats", 12, 45, "FOOD_AND_DRINK"),
    ("LYFT *RIDE SUN 8PM", "Lyft", 9, 35, "TRANSPORTATION"),
    ("DOORDASH*CHIPOTLE", "DoorDash", 14, 38, "FOOD_AND_DRINK"),
    ("SHELL OIL 57442", "Shell", 25, 70, "TRANSPORTATION"),
    ("WALMART SUPERCENTER", "Walmart", 20, 160, "GENERAL_MERCHANDISE"),
    ("NETFLIX.COM", "Netflix", 15.49, 15.49, "ENTERTAINMENT"),
    ("T-MOBILE PCS SVC", "T-Mobile", 45, 85, "RENT_AND_UTILITIES"),
    ("PROGRESSIVE INS PREM", "Progressive", 90, 140, "LOAN_PAYMENTS"),
)

OTHER_MONEY_IN: tuple[tuple[str, str | None, str | None, str, str], ...] = (
    # (name, merchant, counterparty, pfc detailed, truth)
    ("UBER *TRIP REFUND", "Uber", "Uber", "TRANSPORTATION_TAXIS_AND_RIDE_SHARES", "not_income"),
    ("DOORDASH REFUND", "DoorDash", "DoorDash", "FOOD_AND_DRINK_RESTAURANT", "not_income"),
    ("Venmo from J. Smith", None, "Venmo", "TRANSFER_IN_DEPOSIT", "not_income"),
    ("ZELLE FROM MARIA LOPEZ", None, None, "TRANSFER_IN_DEPOSIT", "not_income"),
    ("IRS TREAS 310 TAX REF", None, "IRS", "INCOME_TAX_REFUND", "not_income"),
    ("INTEREST PAYMENT", None, None, "INCOME_INTEREST_EARNED", "not_income"),
    ("MOBILE CHECK DEPOSIT", None, None, "TRANSFER_IN_DEPOSIT", "not_income"),
)

_PAYOUT_WEEKDAY = {"etsy": 0, "upwork": 2, "fiverr": 3, "taskrabbit": 1}
_LUMPY = {"upwork", "fiverr"}


@dataclass
class FakeTransaction:
    transaction_id: str
    account_id: str
    amount: float
    """Plaid's sign: positive is money out of the account, negative money in."""
    day: date
    name: str
    merchant_name: str | None
    counterparty: str | None
    pfc_detailed: str
    truth: str
    """A platform name, `transfer`, `not_income`, or `spending`."""
    pending: bool = False
    currency: str = "USD"


@dataclass
class FakeAccount:
    account_id: str
    mask: str
    name: str
    subtype: str


@dataclass
class FakeBank:
    accounts: list[FakeAccount]
    transactions: list[FakeTransaction] = field(default_factory=list)


def _month_start(end: date, months_back: int) -> date:
    index = end.year * 12 + end.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _month_days(first: date) -> list[date]:
    days = [first]
    while (days[-1] + timedelta(days=1)).month == first.month:
        days.append(days[-1] + timedelta(days=1))
    return days


def _split(total_cents: int, parts: int, rnd: random.Random) -> list[int]:
    """`parts` positive amounts summing exactly to `total_cents`."""
    parts = max(1, min(parts, total_cents))
    weights = [rnd.uniform(0.6, 1.4) for _ in range(parts)]
    cuts = [int(total_cents * w / sum(weights)) for w in weights]
    cuts[-1] += total_cents - sum(cuts)
    return [c for c in cuts if c > 0]


class IdMaker:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        digest = hashlib.sha256(f"{self.namespace}:{self.count}".encode()).hexdigest()
        return digest[:37]


def generate_bank(
    seed: int,
    months: int = 24,
    end: date | None = None,
    *,
    platforms: int = 6,
    namespace: str = "bank",
) -> FakeBank:
    """A checking and a savings account with `months` months of history ending with `end`'s
    month (the current month by default); deterministic for a seed and namespace."""
    end = end or date.today()
    rnd = random.Random(seed)
    new_id = IdMaker(f"{namespace}:{seed}")
    checking = FakeAccount(
        new_id()[:24], f"{rnd.randrange(10000):04d}", "Plaid Checking", "checking"
    )
    savings = FakeAccount(new_id()[:24], f"{rnd.randrange(10000):04d}", "Plaid Saving", "savings")
    population = generate_population(1, months, platforms=platforms, seed=seed)
    amounts = population.amounts[0]
    bank = FakeBank([checking, savings])

    def add(
        amount: float,
        day: date,
        name: str,
        merchant: str | None,
        counterparty: str | None,
        pfc: str,
        truth: str,
        account: FakeAccount = checking,
    ) -> None:
        bank.transactions.append(
            FakeTransaction(
                new_id(),
                account.account_id,
                round(amount, 2),
                day,
                name,
                merchant,
                counterparty,
                pfc,
                truth,
            )
        )

    today = date.today()
    for t in range(months):
        first = _month_start(end, months - 1 - t)
        days = [d for d in _month_days(first) if d <= max(today, end)]
        if not days:
            continue
        for p, platform in enumerate(population.platforms):
            cents = round(float(amounts[p, t]) * 100)
            if cents <= 0 or platform not in DESCRIPTIONS:
                continue
            if platform in _LUMPY:
                pay_days = sorted(rnd.sample(days, k=min(len(days), rnd.randint(1, 3))))
            else:
                weekday = _PAYOUT_WEEKDAY.get(platform, 1)
                pay_days = [d for d in days if d.weekday() == weekday] or [days[-1]]
                if platform not in _PAYOUT_WEEKDAY and rnd.random() < 0.4:  # instant cash-outs
                    pay_days += rnd.sample(days, k=min(len(days), rnd.randint(1, 4)))
                    pay_days.sort()
            for day, part in zip(pay_days, _split(cents, len(pay_days), rnd), strict=False):
                name, merchant, counterparty = rnd.choice(DESCRIPTIONS[platform])
                pfc = (
                    "INCOME_WAGES"
                    if "DIRECT DEP" in name or "PPD" in name
                    else "TRANSFER_IN_DEPOSIT"
                )
                add(-part / 100, day, name, merchant, counterparty, pfc, platform)
        for _ in range(rnd.randint(8, 16)):
            name, merchant, low, high, primary = rnd.choice(SPENDING)
            add(
                rnd.uniform(low, high),
                rnd.choice(days),
                name,
                merchant,
                None,
                f"{primary}_OTHER",
                "spending",
            )
        if rnd.random() < 0.5:
            name, merchant, counterparty, pfc, truth = rnd.choice(OTHER_MONEY_IN)
            add(-rnd.uniform(5, 300), rnd.choice(days), name, merchant, counterparty, pfc, truth)
        if rnd.random() < 0.3:  # the worker moves savings into checking
            amount = float(rnd.randrange(50, 500))
            day = rnd.choice(days)
            add(
                amount,
                day,
                f"ONLINE TRANSFER TO CHK ...{checking.mask}",
                None,
                None,
                "TRANSFER_OUT_ACCOUNT_TRANSFER",
                "spending",
                savings,
            )
            add(
                -amount,
                day,
                f"ONLINE TRANSFER FROM SAV ...{savings.mask}",
                None,
                None,
                "TRANSFER_IN_ACCOUNT_TRANSFER",
                "transfer",
            )
    bank.transactions.sort(key=lambda txn: (txn.day, txn.transaction_id))
    return bank


def transfer_between(
    source: FakeBank, target: FakeBank, amount: float, day: date, ids: IdMaker
) -> tuple[FakeTransaction, FakeTransaction]:
    """Money the worker moves from one bank to the other: out of one, into the other, worded
    as banks word it, with no account-transfer category on the receiving side (banks often
    leave it out), so only the mask in the text tells it apart from income."""
    out_account, in_account = source.accounts[0], target.accounts[0]
    out = FakeTransaction(
        ids(),
        out_account.account_id,
        amount,
        day,
        f"EXTERNAL TRANSFER TO ...{in_account.mask}",
        None,
        None,
        "TRANSFER_OUT_ACCOUNT_TRANSFER",
        "spending",
    )
    into = FakeTransaction(
        ids(),
        in_account.account_id,
        -amount,
        day,
        f"EXTERNAL DEPOSIT FROM ...{out_account.mask}",
        None,
        None,
        "TRANSFER_IN_DEPOSIT",
        "transfer",
    )
    source.transactions.append(out)
    target.transactions.append(into)
    return out, into
