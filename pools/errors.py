"""Errors of the co-op domain, each with a stable problem type."""

from __future__ import annotations

from core.errors import (
    Conflict,
    MutuaError,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)


class InvalidCode(Unauthorized):
    slug = "invalid-code"
    title = "The sign-in code is wrong or has expired"


class TooManyAttempts(RateLimited):
    slug = "too-many-attempts"
    title = "Too many wrong codes; ask for a new one"


class TooManyCodes(RateLimited):
    slug = "too-many-codes"
    title = "Too many sign-in codes for this phone; try again later"


class TooManyCodesFromAddress(RateLimited):
    slug = "too-many-codes-from-address"
    title = "Too many sign-in codes asked for from this network; try again later"


class SignInBusy(MutuaError):
    """The hourly budget of sign-in texts is spent: the service's limit, not the caller's."""

    slug = "sign-in-busy"
    title = "We are sending too many sign-in codes right now; try again soon"
    status = 503


class SmsOptedOut(Conflict):
    slug = "sms-opted-out"
    title = "This phone has stopped our texts; text START to get them again"


class TooManyLoginAttempts(RateLimited):
    slug = "too-many-login-attempts"
    title = "Too many sign-in attempts; try again later"


class InvalidCredentials(Unauthorized):
    slug = "invalid-credentials"
    title = "Email or password is wrong"


class JoinCodeNotFound(NotFound):
    slug = "join-code-not-found"
    title = "No pool has that join code"


class MembershipSuspended(Conflict):
    slug = "membership-suspended"
    title = "Your membership of this pool is suspended"


class InvalidTimezone(ValidationFailed):
    slug = "invalid-timezone"
    title = "The time zone is not a known IANA zone"


class InvalidName(ValidationFailed):
    slug = "invalid-name"
    title = "The name is not valid"


class WeakPassword(ValidationFailed):
    slug = "weak-password"
    title = "The password is too short"


class AdministratorNotFound(NotFound):
    slug = "administrator-not-found"
    title = "No administrator has that email"
