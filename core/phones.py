"""Phone numbers, the identity of a worker: parsed and normalised once, to E.164."""

from __future__ import annotations

import phonenumbers

from core.errors import ValidationFailed


class InvalidPhone(ValidationFailed):
    slug = "invalid-phone"
    title = "The phone number is not valid"


class PhoneNotTextable(ValidationFailed):
    """A valid number of a kind Mutua does not text: see `UNTEXTABLE`."""

    slug = "phone-not-textable"
    title = "We do not send texts to this kind of number"


UNTEXTABLE = {
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium-rate",
    phonenumbers.PhoneNumberType.SHARED_COST: "shared-cost",
    phonenumbers.PhoneNumberType.UNKNOWN: "unknown",
}
"""Number types never texted. Premium-rate and shared-cost ranges are where SMS pumping
pays (the fraudster gets a cut of every message); a number whose type the numbering plan
does not know is no worker's phone either."""


def normalize_phone(raw: str) -> str:
    """E.164 form of an international number (`+15551234567`), or `InvalidPhone`.

    Numbers must carry their country code: workers text from many countries and a guessed
    region would sign someone into a stranger's account.
    """
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 32:
        raise InvalidPhone("give the phone number with its country code, like +15551234567")
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(
            "give the phone number with its country code, like +15551234567"
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def require_textable(phone_e164: str) -> None:
    """`PhoneNotTextable` unless the number's type is one a worker's phone can have."""
    kind = phonenumbers.number_type(phonenumbers.parse(phone_e164, None))
    if kind in UNTEXTABLE:
        raise PhoneNotTextable(
            f"this is a {UNTEXTABLE[kind]} number; give a mobile or landline number",
            number_type=UNTEXTABLE[kind],
        )


def country_of(phone_e164: str) -> str:
    """The region (`US`, `MX`) of a number, for counts and logs that must name no one."""
    region = phonenumbers.region_code_for_number(phonenumbers.parse(phone_e164, None))
    return region or "ZZ"
