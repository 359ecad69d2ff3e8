"""bank links: Plaid items, their accounts, money-in lines, counterparty choices, webhook receipts

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02 01:38:10.233608
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.base

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "plaid_webhook_receipts",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("plaid_item_id", sa.String(length=64), nullable=True),
        sa.Column("webhook_type", sa.String(length=32), nullable=False),
        sa.Column("webhook_code", sa.String(length=64), nullable=False),
        sa.Column("received_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_plaid_webhook_receipts")),
    )
    op.create_table(
        "bank_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("plaid_item_id", sa.String(length=64), nullable=False),
        sa.Column("access_token_sealed", sa.Text(), nullable=False),
        sa.Column("institution_id", sa.String(length=32), nullable=True),
        sa.Column("institution_name", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("sync_requested_at", core.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_synced_at", core.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", core.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'login_required', 'removed')", name=op.f("ck_bank_items_status")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_bank_items_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_items")),
        sa.UniqueConstraint("plaid_item_id", name=op.f("uq_bank_items_plaid_item_id")),
    )
    with op.batch_alter_table("bank_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bank_items_sync_requested_at", ["sync_requested_at"], unique=False
        )
        batch_op.create_index("ix_bank_items_worker_id", ["worker_id"], unique=False)

    op.create_table(
        "counterparty_choices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("counterparty_key", sa.String(length=128), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=True),
        sa.Column("created_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "platform IS NULL OR platform IN ('uber', 'lyft', 'doordash', 'ubereats', 'instacart', 'grubhub', 'upwork', 'fiverr', 'taskrabbit', 'etsy', 'other')",
            name=op.f("ck_counterparty_choices_platform"),
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_counterparty_choices_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counterparty_choices")),
        sa.UniqueConstraint(
            "worker_id",
            "counterparty_key",
            name=op.f("uq_counterparty_choices_worker_id_counterparty_key"),
        ),
    )
    op.create_table(
        "bank_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("plaid_account_id", sa.String(length=64), nullable=False),
        sa.Column("mask", sa.String(length=8), nullable=True),
        sa.Column("name", sa.String(length=128), nullable=True),
        sa.Column("subtype", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["bank_items.id"], name=op.f("fk_bank_accounts_item_id_bank_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_accounts")),
        sa.UniqueConstraint("plaid_account_id", name=op.f("uq_bank_accounts_plaid_account_id")),
    )
    op.create_table(
        "bank_deposits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=False),
        sa.Column("plaid_account_id", sa.String(length=64), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.String(length=256), nullable=False),
        sa.Column("counterparty_key", sa.String(length=128), nullable=False),
        sa.Column("classification", sa.String(length=16), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=True),
        sa.Column("decided_by", sa.String(length=16), nullable=False),
        sa.Column("income_record_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "classification IN ('platform', 'transfer', 'not_income', 'unreviewed')",
            name=op.f("ck_bank_deposits_classification"),
        ),
        sa.CheckConstraint(
            "decided_by IN ('rule', 'worker', 'remembered')",
            name=op.f("ck_bank_deposits_decided_by"),
        ),
        sa.CheckConstraint(
            "platform IS NULL OR platform IN ('uber', 'lyft', 'doordash', 'ubereats', 'instacart', 'grubhub', 'upwork', 'fiverr', 'taskrabbit', 'etsy', 'other')",
            name=op.f("ck_bank_deposits_platform"),
        ),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_bank_deposits_positive")),
        sa.ForeignKeyConstraint(
            ["income_record_id"],
            ["income_records.id"],
            name=op.f("fk_bank_deposits_income_record_id_income_records"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["bank_items.id"], name=op.f("fk_bank_deposits_item_id_bank_items")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_bank_deposits_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_deposits")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_bank_deposits_transaction_id")),
    )
    with op.batch_alter_table("bank_deposits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bank_deposits_worker_classification", ["worker_id", "classification"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("bank_deposits", schema=None) as batch_op:
        batch_op.drop_index("ix_bank_deposits_worker_classification")

    op.drop_table("bank_deposits")
    op.drop_table("bank_accounts")
    op.drop_table("counterparty_choices")
    with op.batch_alter_table("bank_items", schema=None) as batch_op:
        batch_op.drop_index("ix_bank_items_worker_id")
        batch_op.drop_index("ix_bank_items_sync_requested_at")

    op.drop_table("bank_items")
    op.drop_table("plaid_webhook_receipts")
