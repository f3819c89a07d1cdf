"""The schema as create_all made it before the portal had migrations (up to issue 12).

A database made then has no alembic_version table; it is stamped at this revision and
brought forward from here (tests/data/portal-schema-0001-*.sql is its DDL).

Revision ID: 0001
Revises:
"""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing: create_all made these tables."""


def downgrade() -> None:
    """Nothing to undo."""
