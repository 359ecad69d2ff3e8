"""Errors on pages are pages: a 404 or 403 in the visitor's language, not a JSON problem.

Someone not signed in is sent to the sign-in page of the kind the page needs. A refused
CSRF token is Litestar's 403 and answers the same 403 page.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.exceptions import NotFoundException as LitestarNotFound
from litestar.response import Redirect

from core.errors import Forbidden, MutuaError, NotFound
from web.headers import API_PATH
from web.session import SignInRequired
from web.view import Texts, page, page_language

log = logging.getLogger(__name__)


def _error_page(request: Request[Any, Any, Any], key: str, status: int) -> Response[Any]:
    message = Texts(page_language(request))(key)
    return page(request, "error.html", status_code=status, message=message)


def sign_in_required(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    return Redirect("/admin/signin" if exc.kind == "admin" else "/signin", status_code=303)


def mutua_error(request: Request[Any, Any, Any], exc: MutuaError) -> Response[Any]:
    if isinstance(exc, NotFound):
        return _error_page(request, "error.not_found", 404)
    if isinstance(exc, Forbidden):
        return _error_page(request, "error.forbidden", 403)
    log.warning("page %s answered %s: %s", request.url.path, exc.status, exc.slug)
    return _error_page(request, "error.other", exc.status)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, LitestarNotFound):
        return _error_page(request, "error.not_found", 404)
    if isinstance(exc, PermissionDeniedException | NotAuthorizedException):
        return _error_page(request, "error.forbidden", 403)
    return _error_page(request, "error.other", exc.status_code)


def pages_first(api_handler: Any) -> Any:
    """An app-wide HTTP error handler: a page for what a browser asked outside the JSON API
    (an unknown address, a refused CSRF token), the API's problem document otherwise.

    The CSRF check and the router's 404 come before any page route, so the pages' own
    handlers never see them."""

    def handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
        if API_PATH.match(request.url.path) or request.url.path.startswith("/static/"):
            return api_handler(request, exc)  # type: ignore[no-any-return]
        return http_error(request, exc)

    return handler


PAGE_EXCEPTION_HANDLERS: dict[int | type[Exception], Any] = {
    SignInRequired: sign_in_required,
    MutuaError: mutua_error,
    HTTPException: http_error,
}
