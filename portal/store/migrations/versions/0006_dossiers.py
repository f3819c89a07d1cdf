"""Dossiers: the api_tokens' scope (a one-stop system's token pushes dossiers, never reads
reports); the dossiers table itself is create_all's (a new table).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("api_tokens")}
    if "scope" not in columns:  # create_all, run before migrating, made a missing table whole
        with op.batch_alter_table("api_tokens") as batch:
            batch.add_column(
                sa.Column("scope", sa.String(16), nullable=False, server_default="reports")
            )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("scope")
