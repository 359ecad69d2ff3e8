"""Reading a posted form, and saying what went wrong with it in the page's language."""

from __future__ import annotations

from typing import Any

from litestar import Request

from core.errors import MutuaError
from i18n import UnknownProblemType, problem_title


async def form_of(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The form's text fields, stripped; files and repeated fields are read where needed."""
    form = await request.form()
    return {key: value.strip() for key, value in form.items() if isinstance(value, str)}


def problem_text(error: MutuaError, language: str) -> str:
    """The same title the API puts in the problem document, in the page's language."""
    try:
        return problem_title(error.slug, language)
    except UnknownProblemType:
        return problem_title("error", language)


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to; anything that could leave the site goes home instead."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
