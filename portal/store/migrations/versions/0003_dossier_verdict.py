"""An answer's dossier code and verdict as columns, beside the payload that holds them.

"Has this dossier a verdict already?" is asked at every web survey and by every report
(one verdict per dossier, duplicate_dossier): on the payload's JSON it scans every answer;
on an indexed column it is one lookup. Answers stored before are filled from their payload.

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
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("dossier_code", sa.String(64), nullable=True))
        batch.add_column(sa.Column("verdict", sa.String(64), nullable=True))
        batch.create_index(batch.f("ix_answers_dossier_code"), ["dossier_code"])
    if op.get_bind().dialect.name == "postgresql":
        fill = (
            "UPDATE answers SET dossier_code = payload->>'dossier_code', "
            "verdict = payload->>'verdict'"
        )
    else:
        fill = (
            "UPDATE answers SET dossier_code = json_extract(payload, '$.dossier_code'), "
            "verdict = json_extract(payload, '$.verdict')"
        )
    op.execute(fill)


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_index(batch.f("ix_answers_dossier_code"))
        batch.drop_column("verdict")
        batch.drop_column("dossier_code")
