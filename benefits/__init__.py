"""Sick-leave and other benefits: a pool's rules and tiers, members' claims, who approves
them, and what the monthly run pays (`benefits.payments`, `benefits.run`)."""

from benefits.service import (
    answer_claim,
    choose_tier,
    decide_claim,
    end_claim,
    file_claim,
    set_plan,
)

__all__ = ["answer_claim", "choose_tier", "decide_claim", "end_claim", "file_claim", "set_plan"]
