"""rule changes by member vote: proposals, votes, adopted changes, pricing snapshots, pool vote settings

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:32:05.741853
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "proposals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pool_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("proposed_by", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("effect", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opens_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("quorum_bp", sa.Integer(), nullable=False),
        sa.Column("majority_bp", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=True),
        sa.Column("yes_votes", sa.Integer(), nullable=True),
        sa.Column("no_votes", sa.Integer(), nullable=True),
        sa.Column("applies_from", sa.String(length=7), nullable=True),
        sa.Column("closed_at", core.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'accepted', 'rejected', 'no_quorum')",
            name=op.f("ck_proposals_status"),
        ),
        sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], name=op.f("fk_proposals_pool_id_pools")),
        sa.ForeignKeyConstraint(
            ["proposed_by"],
            ["administrators.id"],
            name=op.f("fk_proposals_proposed_by_administrators"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
        sa.UniqueConstraint("reference", name=op.f("uq_proposals_reference")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index("ix_proposals_pool_id_status", ["pool_id", "status"], unique=False)

    op.create_table(
        "rule_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pool_id", sa.Uuid(), nullable=False),
        sa.Column("applies_from", sa.String(length=7), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("applied_at", core.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pool_id"], ["pools.id"], name=op.f("fk_rule_changes_pool_id_pools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_changes")),
    )
    with op.batch_alter_table("rule_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_changes_pool_id"), ["pool_id"], unique=False)

    op.create_table(
        "pricing_snapshots",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("pool_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("reserve_minor", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pool_id"], ["pools.id"], name=op.f("fk_pricing_snapshots_pool_id_pools")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["monthly_runs.id"], name=op.f("fk_pricing_snapshots_run_id_monthly_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_pricing_snapshots")),
    )
    with op.batch_alter_table("pricing_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pricing_snapshots_pool_id"), ["pool_id"], unique=False)

    op.create_table(
        "votes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("membership_id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("choice", sa.String(length=3), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("cast_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.CheckConstraint("choice IN ('yes', 'no')", name=op.f("ck_votes_choice")),
        sa.ForeignKeyConstraint(
            ["membership_id"], ["memberships.id"], name=op.f("fk_votes_membership_id_memberships")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_votes_proposal_id_proposals")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_votes_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint(
            "proposal_id", "membership_id", name=op.f("uq_votes_proposal_id_membership_id")
        ),
    )
    with op.batch_alter_table("pools", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("vote_quorum_bp", sa.Integer(), server_default="3000", nullable=False)
        )
        batch_op.add_column(
            sa.Column("vote_majority_bp", sa.Integer(), server_default="5000", nullable=False)
        )
        batch_op.add_column(
            sa.Column("vote_days", sa.Integer(), server_default="14", nullable=False)
        )


def downgrade() -> None:

    with op.batch_alter_table("pools", schema=None) as batch_op:
        batch_op.drop_column("vote_days")
        batch_op.drop_column("vote_majority_bp")
        batch_op.drop_column("vote_quorum_bp")

    op.drop_table("votes")
    with op.batch_alter_table("pricing_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pricing_snapshots_pool_id"))

    op.drop_table("pricing_snapshots")
    with op.batch_alter_table("rule_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_changes_pool_id"))

    op.drop_table("rule_changes")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_proposals_pool_id_status")

    op.drop_table("proposals")
