"""The long form offered after a quick answer (issue 13): a quick answer records whether its
citizen was drawn (`drawn`), a long answer the quick one it follows (`follows`).

Answers taken before this revision had no draw: both stay NULL.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("drawn", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("follows", sa.String(36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("follows")
        batch.drop_column("drawn")
