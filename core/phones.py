"""Phone numbers, the identity of a worker: parsed and normalised once, to E.164."""

from __future__ import annotations

import phonenumbers

from core.errors import ValidationFailed


class InvalidPhone(ValidationFailed):
    slug = "invalid-phone"
    title = "The phone number is not valid"


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
