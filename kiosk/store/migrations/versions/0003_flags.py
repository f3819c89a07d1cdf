"""Integrity flags on each answer (kiosk/domain/integrity.py): kept, sent, never cleared.

Answers taken before this revision carry no flags: the rules did not run for them.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("flags", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("flags")
