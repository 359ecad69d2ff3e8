"""Request and response bodies at the API edge.

Request structs forbid unknown fields, so a client cannot set what it was not offered (a
`role`, a `balance`) and a typo in a field name is an error rather than silently ignored.
Their text fields carry the `NO_CONTROLS` pattern: the edge refuses control characters in
every text field (`api.edge`), and the OpenAPI document says so field by field.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from core.money import MAX_MINOR
from pools.models import POOL_NAME_MAX

NO_CONTROLS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
"""Any text but the control characters `api.edge` refuses (TAB, LF and CR pass)."""


def text(
    min_length: int = 0, max_length: int | None = None, examples: list[str] | None = None
) -> msgspec.Meta:
    return msgspec.Meta(
        min_length=min_length, max_length=max_length, pattern=NO_CONTROLS, examples=examples
    )


Phone = Annotated[str, text(1, 32, examples=["+14155550100"])]
Period = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}$", examples=["2026-11"])]
Currency = Annotated[str, text(3, 3, examples=["USD"])]
AmountMinor = Annotated[int, msgspec.Meta(ge=0, le=MAX_MINOR, examples=[123456])]
BasisPoints = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
MinorLimit = Annotated[int, msgspec.Meta(ge=0, le=10**12)]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class OtpRequest(Strict):
    phone: Phone


class OtpVerify(Strict):
    phone: Phone
    code: Annotated[str, text(1, 12)]


class AdminLogin(Strict):
    email: Annotated[str, text(3, 254)]
    password: Annotated[str, text(1, 1024)]


class TokenOut(msgspec.Struct, kw_only=True):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class CodeSent(msgspec.Struct, kw_only=True):
    status: str = "sent"
    expires_in: int


class MeOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    phone: str
    name: str | None
    language: str
    language_chosen: bool
    timezone: str
    sms_opted_out: bool


class MeUpdate(Strict):
    name: Annotated[str, text(0, 200)] | msgspec.UnsetType = msgspec.UNSET
    language: Annotated[str, text(0, 64)] | msgspec.UnsetType = msgspec.UNSET
    timezone: Annotated[str, text(0, 64)] | msgspec.UnsetType = msgspec.UNSET
    sms_opted_out: bool | msgspec.UnsetType = msgspec.UNSET
    """True is STOP (no more texts, sign-in codes included), false is START."""


class RulesIn(Strict):
    """Any rule left out takes the documented default (see GET /v1/pools/{id} `rules`)."""

    contribution_rate_bp: BasisPoints | msgspec.UnsetType = msgspec.UNSET
    min_contribution_minor: MinorLimit | msgspec.UnsetType = msgspec.UNSET
    max_contribution_minor: MinorLimit | msgspec.UnsetType = msgspec.UNSET
    replacement_rate_bp: BasisPoints | msgspec.UnsetType = msgspec.UNSET
    deductible_bp: BasisPoints | msgspec.UnsetType = msgspec.UNSET
    monthly_payout_cap_minor: MinorLimit | msgspec.UnsetType = msgspec.UNSET
    max_payout_months_per_12: Annotated[int, msgspec.Meta(ge=0, le=12)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    waiting_period_months: Annotated[int, msgspec.Meta(ge=0, le=36)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    target_ruin_bp: Annotated[int, msgspec.Meta(ge=1, le=5000)] | msgspec.UnsetType = msgspec.UNSET

    def given(self) -> dict[str, int]:
        return {
            field: value
            for field in self.__struct_fields__
            if (value := getattr(self, field)) is not msgspec.UNSET
        }


class PoolIn(Strict):
    name: Annotated[str, text(1, POOL_NAME_MAX)]
    currency: Currency
    timezone: Annotated[str, text(0, 64)] = "UTC"
    default_language: Annotated[str, text(0, 64)] = "en"
    income_cutoff_day: Annotated[int, msgspec.Meta(ge=1, le=28)] = 5
    """Day of the next month until which a month's income counts; the run starts after it."""
    rules: RulesIn | None = None


class RulesOut(msgspec.Struct, kw_only=True):
    contribution_rate_bp: int
    min_contribution_minor: int
    max_contribution_minor: int
    replacement_rate_bp: int
    deductible_bp: int
    monthly_payout_cap_minor: int
    max_payout_months_per_12: int
    waiting_period_months: int
    target_ruin_bp: int


class PoolOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    currency: str
    code: str | None
    """The join code; shown to the pool's administrators and members."""
    timezone: str
    default_language: str
    income_cutoff_day: int
    rules: RulesOut
    created_at: datetime


class JoinIn(Strict):
    code: Annotated[str, text(1, 32)]


class MembershipOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    pool_id: uuid.UUID
    pool_name: str
    currency: str
    status: str
    joined_on: date
    left_on: date | None


class MemberOut(msgspec.Struct, kw_only=True):
    membership_id: uuid.UUID
    worker_id: uuid.UUID
    name: str | None
    phone: str
    status: str
    joined_on: date
    left_on: date | None


class GrantIn(Strict):
    email: Annotated[str, text(3, 254)]


class PoolAdministratorOut(msgspec.Struct, kw_only=True):
    pool_id: uuid.UUID
    administrator_id: uuid.UUID
    email: str
    role: str


class IncomeIn(Strict):
    platform: Annotated[str, text(1, 32)]
    month: Period
    amount_minor: AmountMinor
    currency: Currency


class IncomeUpdate(Strict):
    """A corrected amount for a monthly entry; the currency stays unless given."""

    amount_minor: AmountMinor
    currency: Currency | msgspec.UnsetType = msgspec.UNSET


class IncomeRecordOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    platform: str
    month: str
    earned_on: date | None
    amount_minor: int
    currency: str
    source: str


class MonthTotalOut(msgspec.Struct, kw_only=True):
    month: str
    currency: str
    total_minor: int
    by_platform: dict[str, int]


class CsvImportOut(msgspec.Struct, kw_only=True):
    rows: int
    added: int
    duplicates: int
    months: list[str]


class AccountOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    pool_id: uuid.UUID
    kind: str
    currency: str
    balance_minor: int


class TransferOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount_minor: int
    currency: str
    reason: str
    period: str | None
    reverses_id: uuid.UUID | None
    created_at: datetime


class HealthOut(msgspec.Struct, kw_only=True):
    status: str
