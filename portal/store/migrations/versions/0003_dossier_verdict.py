"""An answer's dossier code and verdict as columns, beside the payload that holds them.

"Has this dossier a verdict already?" is asked at every web survey and by every report
(one verdict per dossier, duplicate_dossier): on the payload's JSON it scans every answer;
on an indexed column it is one lookup. Answers stored before are filled from their payload,
the code made canonical (contract.wire.canonical_dossier).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from contract.wire import canonical_dossier

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("dossier_code", sa.String(64), nullable=True))
        batch.add_column(sa.Column("verdict", sa.String(64), nullable=True))
        batch.create_index(batch.f("ix_answers_dossier_code"), ["dossier_code"])
    _fill(op.get_bind())


def _fill(connection: sa.Connection) -> None:
    """Each stored answer's columns from its payload, the code made canonical (in Python:
    neither database folds other scripts' digits)."""
    answers = sa.table(
        "answers",
        sa.column("id", sa.Integer),
        sa.column("payload", sa.JSON),
        sa.column("dossier_code", sa.String),
        sa.column("verdict", sa.String),
    )
    rows = connection.execute(sa.select(answers.c.id, answers.c.payload)).all()
    for start in range(0, len(rows), 1000):
        values = [
            {
                "row_id": row.id,
                "code": canonical_dossier((row.payload or {}).get("dossier_code")),
                "verdict_value": (row.payload or {}).get("verdict"),
            }
            for row in rows[start : start + 1000]
        ]
        connection.execute(
            answers.update()
            .where(answers.c.id == sa.bindparam("row_id"))
            .values(dossier_code=sa.bindparam("code"), verdict=sa.bindparam("verdict_value")),
            values,
        )


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_index(batch.f("ix_answers_dossier_code"))
        batch.drop_column("verdict")
        batch.drop_column("dossier_code")
