"""Rule changes by member vote.

An administrator proposes new rules (or takes the monthly run's rate recommendation as a
proposal in one step); the engine prices the proposal on the members of the last run
(`runs.solvency.price_snapshot`: ruin probability and expected payouts before and after),
so members vote on figures, not on promises. Every active member may vote YES or NO while
the vote is open, and may change their mind: the last vote counts. When the vote closes,
it passes if enough members voted (the pool's quorum) and more than the pool's majority of
the votes are YES; a passed change is stored as a `pools.rule_changes` row that the first
monthly run of the next period applies before it closes income, so no month is decided
under rules that changed half way through it. Every member is told the outcome.
"""
