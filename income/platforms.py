"""Platform names as workers type them, mapped onto the fixed list Mutua models.

Income models pool information per platform, so "Uber Eats", "uber_eats" and "UberEats" must
all land on one platform; anything not recognised is refused rather than filed under
"other", because a typo silently turned into "other" would split a worker's history.
"""

from __future__ import annotations

import re
import unicodedata

from actuarial.platforms import PLATFORMS
from income.errors import UnknownPlatform

_SEPARATORS = re.compile(r"[\s_\-.'’&]+")

_ALIASES: dict[str, str] = {
    # Spellings seen on statements and typed by workers, after separators are removed.
    "uberrides": "uber",
    "uberdriver": "uber",
    "ubereat": "ubereats",
    "lyftdriver": "lyft",
    "dasher": "doordash",
    "doordashdasher": "doordash",
    "instacartshopper": "instacart",
    "grubhubdriver": "grubhub",
    "fiver": "fiverr",
    "taskrabbiter": "taskrabbit",
}


def _key(text: str) -> str:
    """Case-, width- and separator-insensitive form of a name."""
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    return _SEPARATORS.sub("", folded)


_LOOKUP: dict[str, str] = {**{p: p for p in PLATFORMS}, **_ALIASES}


def parse_platform(text: object) -> str:
    """The canonical platform for a name a worker typed, or `UnknownPlatform`."""
    if isinstance(text, str):
        found = _LOOKUP.get(_key(text))
        if found is not None:
            return found
    raise UnknownPlatform(text, PLATFORMS)
