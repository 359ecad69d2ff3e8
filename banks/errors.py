"""What the bank link refuses, as problems with stable types."""

from __future__ import annotations

from core.errors import MutuaError, NotFound, Unauthorized, ValidationFailed


class BankLinkOff(MutuaError):
    slug = "bank-link-off"
    title = "Bank linking is not available on this server"
    status = 503


class BankUnreachable(MutuaError):
    slug = "bank-unreachable"
    title = "The bank connection service did not answer; try again shortly"
    status = 503


class BankLinkRefused(ValidationFailed):
    """Plaid refused what the worker sent (an expired or reused public token, say)."""

    slug = "bank-link-refused"
    title = "The bank connection was refused"


class BankItemNotFound(NotFound):
    slug = "bank-item-not-found"
    title = "No such bank link"


class DepositNotFound(NotFound):
    slug = "deposit-not-found"
    title = "No such deposit"


class DepositAlreadyDecided(ValidationFailed):
    slug = "deposit-already-decided"
    title = "This deposit was already recognised"
    status = 409


class WebhookRejected(Unauthorized):
    slug = "webhook-signature-invalid"
    title = "The webhook's Plaid-Verification signature is not valid"
