"""Benefits (sick leave and the like) in the pool's pricing: expected claims per month.

A member with a benefit tier is, in any month, on paid benefit with probability `p` (the
share of member-months on paid benefit), and is then paid their tier's monthly level. Over
the pool's members, independent of income shocks, the month's benefit outflow has mean
`sum(p * level)` and variance `sum(p * (1 - p) * level**2)`; the tiers' contributions come
in from every member not on benefit (or from all, where the pool does not waive them).

`p` comes from the pool's own history, blended with a default by credibility: with `m`
member-months observed, the observed share weighs `m / (m + k)` and the default the rest,
so the default is worth `k = CREDIBILITY_MONTHS` member-months of evidence. The default,
`DEFAULT_SHARE_ON_BENEFIT`, is a cautious figure for people who work with their bodies:
about one new claim per 100 members a year lasting four months after the waiting time,
rounded up to 1.5% of member-months. It is there to be replaced by the pool's own
experience as it accrues, and it is what a new pool is priced with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

DEFAULT_SHARE_ON_BENEFIT = 0.015
"""Share of member-months on paid benefit for a pool with no history of its own."""
CREDIBILITY_MONTHS = 600.0
"""Member-months of a pool's own history that weigh as much as the default."""


@dataclass(frozen=True)
class BenefitLoad:
    """A month's benefit flows over the pool, in currency units (constant over the horizon)."""

    claims_mean: float = 0.0
    claims_var: float = 0.0
    premiums: float = 0.0
    """Expected tier contributions received in a month."""
    share_on_benefit: float = 0.0

    @property
    def empty(self) -> bool:
        return self.claims_mean == 0.0 and self.premiums == 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "benefit_claims_per_month": self.claims_mean,
            "benefit_claims_sd_per_month": float(np.sqrt(self.claims_var)),
            "benefit_contributions_per_month": self.premiums,
            "share_on_benefit": self.share_on_benefit,
        }


def share_on_benefit(
    member_months: int, benefit_months: int, default: float = DEFAULT_SHARE_ON_BENEFIT
) -> float:
    """The pool's share of member-months on benefit, blended with `default` by credibility."""
    weight = member_months / (member_months + CREDIBILITY_MONTHS)
    observed = benefit_months / member_months if member_months > 0 else default
    return float(weight * observed + (1.0 - weight) * default)


def benefit_load(
    levels: NDArray[np.float64],
    premiums: NDArray[np.float64],
    share: float,
    waive: bool = True,
) -> BenefitLoad:
    """The load of members with monthly benefit `levels` paying `premiums` (0 where a member
    has no tier), each on benefit with probability `share` in a month."""
    if levels.size == 0:
        return BenefitLoad()
    p = float(np.clip(share, 0.0, 1.0))
    covered = levels > 0
    mean = float(p * levels[covered].sum())
    var = float(p * (1.0 - p) * np.square(levels[covered]).sum())
    paying = (1.0 - p) if waive else 1.0
    return BenefitLoad(mean, var, float(paying * premiums.sum()), p)
