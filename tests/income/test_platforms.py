"""Platform names as workers type them land on the platforms the models know."""

from __future__ import annotations

import pytest

from actuarial.platforms import PLATFORMS
from income.errors import UnknownPlatform
from income.platforms import parse_platform


@pytest.mark.parametrize(
    ("typed", "platform"),
    [
        ("uber", "uber"),
        ("  Uber ", "uber"),
        ("UBER", "uber"),
        ("Uber Eats", "ubereats"),
        ("uber_eats", "ubereats"),
        ("uber-eats", "ubereats"),
        ("UberEats", "ubereats"),
        ("Door Dash", "doordash"),
        ("DoorDash", "doordash"),
        ("Task Rabbit", "taskrabbit"),
        ("task_rabbit", "taskrabbit"),
        ("Grub Hub", "grubhub"),
        ("Up Work", "upwork"),
        ("Ｕｂｅｒ", "uber"),  # full-width letters from a phone keyboard
        ("Other", "other"),
        *((p, p) for p in PLATFORMS),
    ],
)
def test_known_names_and_aliases(typed: str, platform: str) -> None:
    assert parse_platform(typed) == platform


@pytest.mark.parametrize("typed", ["", "   ", "Deliveroo", "ub er eatz", "uber eats x", "x" * 500])
def test_unknown_names_are_refused_with_the_known_list(typed: str) -> None:
    with pytest.raises(UnknownPlatform) as caught:
        parse_platform(typed)
    error = caught.value
    assert error.slug == "unknown-platform"
    assert error.status == 422
    assert error.extra["known"] == list(PLATFORMS)
    assert len(error.extra["platform"]) <= 40


def test_non_text_is_refused() -> None:
    with pytest.raises(UnknownPlatform):
        parse_platform(None)
