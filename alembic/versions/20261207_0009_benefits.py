"""benefits: pool benefit plans with tiers, members' tiers, claims and members' approvals;
benefit decisions; a benefit due on each member plan

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = "'contribution', 'relief', 'catchup', 'arrears_settlement', 'payout', 'payout_refused'"
_NEW_KINDS = _OLD_KINDS + ", 'benefit', 'benefit_claim'"


def _decision_kinds(kinds: str) -> None:
    """Widen (or narrow) the decision kinds; on SQLite the table is rebuilt, so foreign keys
    into it are checked at commit, when the rebuilt table is back under its name."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA defer_foreign_keys = ON")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_decisions_kind"), type_="check")
        batch_op.create_check_constraint("kind", f"kind IN ({kinds})")


def upgrade() -> None:
    _decision_kinds(_NEW_KINDS)
    op.create_table(
        "benefit_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pool_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("qualifying_months", sa.Integer(), nullable=False),
        sa.Column("waiting_days", sa.Integer(), nullable=False),
        sa.Column("max_months", sa.Integer(), nullable=False),
        sa.Column("evidence_required", sa.Boolean(), nullable=False),
        sa.Column("approval", sa.String(length=16), nullable=False),
        sa.Column("approvals_needed", sa.Integer(), nullable=False),
        sa.Column("waive_contributions", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "approval IN ('administrator', 'members')", name=op.f("ck_benefit_plans_approval")
        ),
        sa.CheckConstraint(
            "approvals_needed BETWEEN 0 AND 50", name=op.f("ck_benefit_plans_approvals_needed")
        ),
        sa.CheckConstraint(
            "kind IN ('sick', 'parental', 'injury')", name=op.f("ck_benefit_plans_kind")
        ),
        sa.CheckConstraint("max_months BETWEEN 1 AND 60", name=op.f("ck_benefit_plans_max_months")),
        sa.CheckConstraint(
            "qualifying_months BETWEEN 0 AND 60", name=op.f("ck_benefit_plans_qualifying_months")
        ),
        sa.CheckConstraint(
            "waiting_days BETWEEN 0 AND 365", name=op.f("ck_benefit_plans_waiting_days")
        ),
        sa.ForeignKeyConstraint(
            ["pool_id"], ["pools.id"], name=op.f("fk_benefit_plans_pool_id_pools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_plans")),
        sa.UniqueConstraint("pool_id", "kind", name=op.f("uq_benefit_plans_pool_id_kind")),
    )
    op.create_table(
        "benefit_enrolments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("membership_id", sa.Uuid(), nullable=False),
        sa.Column("pool_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("chosen_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_benefit_enrolments_membership_id_memberships"),
        ),
        sa.ForeignKeyConstraint(
            ["pool_id"], ["pools.id"], name=op.f("fk_benefit_enrolments_pool_id_pools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_enrolments")),
        sa.UniqueConstraint(
            "membership_id", "kind", name=op.f("uq_benefit_enrolments_membership_id_kind")
        ),
    )
    with op.batch_alter_table("benefit_enrolments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_benefit_enrolments_pool_id"), ["pool_id"], unique=False
        )

    op.create_table(
        "benefit_claims",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("pool_id", sa.Uuid(), nullable=False),
        sa.Column("membership_id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("monthly_benefit_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("back_on", sa.Date(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("paid_through", sa.Date(), nullable=True),
        sa.Column("decision_id", sa.Uuid(), nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("created_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('sms', 'api', 'web')", name=op.f("ck_benefit_claims_channel")
        ),
        sa.CheckConstraint(
            "monthly_benefit_minor >= 0", name=op.f("ck_benefit_claims_monthly_benefit")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'refused', 'ended', 'exhausted')",
            name=op.f("ck_benefit_claims_status"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_benefit_claims_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_benefit_claims_membership_id_memberships"),
        ),
        sa.ForeignKeyConstraint(
            ["pool_id"], ["pools.id"], name=op.f("fk_benefit_claims_pool_id_pools")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_benefit_claims_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_claims")),
        sa.UniqueConstraint("reference", name=op.f("uq_benefit_claims_reference")),
    )
    with op.batch_alter_table("benefit_claims", schema=None) as batch_op:
        batch_op.create_index(
            "ix_benefit_claims_pool_id_status", ["pool_id", "status"], unique=False
        )
        batch_op.create_index("ix_benefit_claims_worker_id", ["worker_id"], unique=False)

    op.create_table(
        "benefit_approvals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("membership_id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("approve", sa.Boolean(), nullable=False),
        sa.Column("cast_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["benefit_claims.id"],
            name=op.f("fk_benefit_approvals_claim_id_benefit_claims"),
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_benefit_approvals_membership_id_memberships"),
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_benefit_approvals_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_approvals")),
        sa.UniqueConstraint(
            "claim_id", "membership_id", name=op.f("uq_benefit_approvals_claim_id_membership_id")
        ),
    )
    with op.batch_alter_table("member_plans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("benefit_due_minor", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("benefit_factors", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member_plans", schema=None) as batch_op:
        batch_op.drop_column("benefit_factors")
        batch_op.drop_column("benefit_due_minor")
    op.drop_table("benefit_approvals")
    with op.batch_alter_table("benefit_claims", schema=None) as batch_op:
        batch_op.drop_index("ix_benefit_claims_worker_id")
        batch_op.drop_index("ix_benefit_claims_pool_id_status")
    op.drop_table("benefit_claims")
    with op.batch_alter_table("benefit_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_benefit_enrolments_pool_id"))
    op.drop_table("benefit_enrolments")
    op.drop_table("benefit_plans")
    _decision_kinds(_OLD_KINDS)
