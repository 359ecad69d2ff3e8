"""channels: inbound SMS, conversation state, appeals, delivery receipts on the outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 01:38:52.500146
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_states",
        sa.Column("phone_e164", sa.String(length=16), nullable=False),
        sa.Column("flow", sa.String(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("expires_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone_e164", name=op.f("pk_conversation_states")),
    )
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gateway", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("phone_e164", sa.String(length=16), nullable=False),
        sa.Column("command", sa.String(length=16), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("created_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint(
            "gateway", "message_id", name=op.f("uq_inbound_messages_gateway_message_id")
        ),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbound_messages_phone_e164_created_at", ["phone_e164", "created_at"], unique=False
        )

    op.create_table(
        "appeals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("membership_id", sa.Uuid(), nullable=False),
        sa.Column("pool_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("deadline_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('sms', 'ussd', 'api', 'web')", name=op.f("ck_appeals_channel")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'upheld', 'rejected', 'withdrawn')", name=op.f("ck_appeals_status")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_appeals_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"], ["memberships.id"], name=op.f("fk_appeals_membership_id_memberships")
        ),
        sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], name=op.f("fk_appeals_pool_id_pools")),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_appeals_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_appeals_decision_id")),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_appeals_pool_id_created_at", ["pool_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_appeals_worker_id", ["worker_id"], unique=False)

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_code", sa.String(length=16), nullable=True))
        batch_op.drop_constraint(op.f("ck_outbox_messages_status"), type_="check")
        batch_op.create_check_constraint(
            "status", "status IN ('queued', 'sent', 'delivered', 'undelivered', 'failed')"
        )
        batch_op.create_index(
            "ix_outbox_messages_provider_message_id", ["provider_message_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_provider_message_id")
        batch_op.drop_constraint(op.f("ck_outbox_messages_status"), type_="check")
        batch_op.create_check_constraint(
            "status", "status IN ('queued', 'sent', 'delivered', 'failed')"
        )
        batch_op.drop_column("error_code")

    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index("ix_appeals_worker_id")
        batch_op.drop_index("ix_appeals_pool_id_created_at")

    op.drop_table("appeals")
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_messages_phone_e164_created_at")

    op.drop_table("inbound_messages")
    op.drop_table("conversation_states")
