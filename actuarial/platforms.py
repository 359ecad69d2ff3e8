"""The platforms Mutua recognises and the families whose seasons they share.

One list for the whole service: income records are checked against it (`income.models`), the
income model groups seasonality by family, and the generated data draws from it.
"""

from __future__ import annotations

PLATFORMS: tuple[str, ...] = (
    "uber",
    "lyft",
    "doordash",
    "ubereats",
    "instacart",
    "grubhub",
    "upwork",
    "fiverr",
    "taskrabbit",
    "etsy",
    "other",
)
"""Platform names Mutua recognises; anything else is filed under "other"."""

PLATFORM_FAMILY: dict[str, str] = {
    "uber": "rideshare",
    "lyft": "rideshare",
    "doordash": "delivery",
    "ubereats": "delivery",
    "instacart": "delivery",
    "grubhub": "delivery",
    "upwork": "freelance",
    "fiverr": "freelance",
    "taskrabbit": "tasks",
    "etsy": "marketplace",
    "other": "other",
}
"""Seasonality is shared within a family: the same riders and diners drive all of it."""

FAMILIES: tuple[str, ...] = ("rideshare", "delivery", "freelance", "tasks", "marketplace", "other")
