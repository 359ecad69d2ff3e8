"""Applying adopted rule changes when their period comes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from pools.models import Pool, RuleChange
from pools.rules import StoredRules, changed_rules


async def apply_due(session: AsyncSession, pool: Pool, period: str) -> Sequence[RuleChange]:
    """Apply, oldest first, every change adopted for `period` or before and not yet applied;
    the caller commits with the rest of its step (a run's close), and applies the changes'
    benefit tiers (`benefits.votes.apply_tier_changes`)."""
    due = (
        await session.scalars(
            select(RuleChange)
            .where(
                RuleChange.pool_id == pool.id,
                RuleChange.applies_from <= period,
                RuleChange.applied_at.is_(None),
            )
            .order_by(RuleChange.created_at)
            .with_for_update()
        )
    ).all()
    for change in due:
        # Benefit tiers (`benefit.sick.tier2.benefit_minor`) are the benefits' to apply.
        named = {k: v for k, v in change.changes.items() if not k.startswith("benefit.")}
        if named:
            rules = changed_rules(StoredRules.of(pool), named)
            for name, value in rules.as_columns().items():
                setattr(pool, name, value)
        change.applied_at = utcnow()
    return due
