"""One example body per route, as the OpenAPI document shows it.

The README's table of request bodies shows the same ones; a test holds the two equal and
decodes each example into its route's Struct, so neither can drift from what the API takes.
"""

from __future__ import annotations

from typing import Any

PHONE = "+14155550100"

OTP_REQUEST: dict[str, Any] = {"phone": PHONE}
OTP_VERIFY: dict[str, Any] = {"phone": PHONE, "code": "123456"}
ADMIN_LOGIN: dict[str, Any] = {
    "email": "admin@demo.mutua.coop",
    "password": "the password make run printed",
}
ME_UPDATE: dict[str, Any] = {
    "name": "Ana Lima",
    "language": "es",
    "timezone": "America/New_York",
    "sms_opted_out": False,
}
INCOME: dict[str, Any] = {
    "platform": "uber",
    "month": "2026-11",
    "amount_minor": 84000,
    "currency": "USD",
}
INCOME_UPDATE: dict[str, Any] = {"amount_minor": 80000}
JOIN: dict[str, Any] = {"code": "K7QX2M9P"}
POOL: dict[str, Any] = {
    "name": "Bay Riders",
    "currency": "USD",
    "timezone": "America/Los_Angeles",
    "default_language": "en",
    "rules": {"contribution_rate_bp": 300, "monthly_payout_cap_minor": 80000},
}
GRANT: dict[str, Any] = {"email": "treasurer@bayriders.example"}
RUN: dict[str, Any] = {"period": "2026-11"}

CSV_STATEMENT = "date,platform,amount\n2026-11-03,uber,45.10\n2026-11-04,doordash,120.00\n"
