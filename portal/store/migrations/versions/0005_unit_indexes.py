"""Indexes for one unit's report: answer_choices and answer_texts by unit, form and day.

A unit head's page counts one unit's choices and reads its newest comments; with only the
(form, day) indexes the database read the whole province's rows for the period and kept
one unit's (0.15 s of a unit's year at a million answers, on every page view).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = ["unit_code", "form_id", "local_day"]


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for table, index in (
        ("answer_choices", "ix_answer_choices_unit"),
        ("answer_texts", "ix_answer_texts_unit"),
    ):
        # The portal's create_all, run before migrating, makes a missing table whole.
        if index not in {found["name"] for found in inspector.get_indexes(table)}:
            op.create_index(index, table, COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_answer_texts_unit", "answer_texts")
    op.drop_index("ix_answer_choices_unit", "answer_choices")
