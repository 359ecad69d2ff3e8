"""Sign-in: a code by SMS for workers, email and password for administrators."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, post
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from api import examples
from api.client_address import client_of
from api.deps import AppSettings, DbSession
from api.openapi import json_body
from api.responses import JSON_BODY, problems
from api.schemas import AdminLogin, CodeSent, OtpRequest, OtpVerify, TokenOut
from api.tokens import Principal, issue_token
from core.phones import InvalidPhone, PhoneNotTextable
from pools.admins import LoginLimits, authenticate_admin
from pools.errors import (
    InvalidCode,
    InvalidCredentials,
    SignInBusy,
    SmsOptedOut,
    TooManyAttempts,
    TooManyCodes,
    TooManyCodesFromAddress,
    TooManyLoginAttempts,
)
from pools.signin import CODE_TTL, CodeLimits, send_sign_in_code, verify_sign_in_code


class AuthController(Controller):
    path = "/v1/auth"
    tags = ["auth"]
    # Answers hold access tokens, which the idempotency table must never store; a retried
    # sign-in is safe anyway (codes are capped and single-use).
    opt = {"idempotency": False}

    @post(
        "/otp",
        status_code=HTTP_202_ACCEPTED,
        summary="Text a sign-in code to a phone",
        responses=problems(
            JSON_BODY,
            InvalidPhone,
            PhoneNotTextable,
            SmsOptedOut,
            TooManyCodes,
            TooManyCodesFromAddress,
            SignInBusy,
        ),
    )
    async def request_code(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[OtpRequest, json_body(examples.OTP_REQUEST)],
        db_session: DbSession,
        settings: AppSettings,
    ) -> CodeSent:
        """Six digits, valid for ten minutes and five guesses; at most five codes an hour per
        phone (429 `too-many-codes` with `Retry-After`). The text is in the worker's chosen
        language, else `Accept-Language`'s, else the phone country's, else English. The
        phone signs up on its first sign-in."""
        await send_sign_in_code(
            db_session,
            data.phone,
            secret=settings.secret_key,
            accept_language=request.headers.get("accept-language"),
            client=client_of(request),
            limits=CodeLimits(
                per_address=settings.sign_in_codes_per_address,
                per_hour=settings.sign_in_codes_per_hour,
            ),
        )
        await db_session.commit()
        return CodeSent(expires_in=int(CODE_TTL.total_seconds()))

    @post(
        "/otp/verify",
        status_code=HTTP_200_OK,
        summary="Exchange a code for a token",
        responses=problems(JSON_BODY, InvalidPhone, InvalidCode, TooManyAttempts),
    )
    async def verify_code(
        self,
        data: Annotated[OtpVerify, json_body(examples.OTP_VERIFY)],
        db_session: DbSession,
        settings: AppSettings,
    ) -> TokenOut:
        """The token goes in `Authorization: Bearer <token>` on every other route. A wrong
        code uses up one of the code's five attempts (`attempts_left` in the problem)."""
        worker = await verify_sign_in_code(
            db_session, data.phone, data.code, secret=settings.secret_key
        )
        principal = Principal(kind="worker", id=worker.id)
        return TokenOut(
            token=issue_token(settings.secret_key, principal, settings.token_ttl_seconds),
            expires_in=settings.token_ttl_seconds,
        )

    @post(
        "/admin/login",
        status_code=HTTP_200_OK,
        summary="Administrator sign-in",
        responses=problems(JSON_BODY, InvalidCredentials, TooManyLoginAttempts),
    )
    async def admin_login(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[AdminLogin, json_body(examples.ADMIN_LOGIN)],
        db_session: DbSession,
        settings: AppSettings,
    ) -> TokenOut:
        """Administrators are created with `mutua admin create`; the token carries their
        role (`admin` or `operator`, see the README)."""
        admin = await authenticate_admin(
            db_session,
            data.email,
            data.password,
            secret=settings.secret_key,
            client=client_of(request),
            limits=LoginLimits(
                per_client=settings.admin_login_failures_per_client,
                per_address=settings.admin_login_failures_per_address,
                per_account=settings.admin_login_failures_per_account,
            ),
        )
        principal = Principal(kind="admin", id=admin.id, role=admin.role)
        return TokenOut(
            token=issue_token(settings.secret_key, principal, settings.token_ttl_seconds),
            expires_in=settings.token_ttl_seconds,
        )
