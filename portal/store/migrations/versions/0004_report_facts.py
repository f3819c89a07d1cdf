"""What the reports count, out of the payloads: answers' counter, officer, status, local
day and month and flags as columns; the choices and texts each answer gave as rows of
answer_choices and answer_texts (portal/store/answer_facts.py); the quotas a survey plan
sets (`portal quota add`); the tokens programs read reports with (`portal token add`).
Reports then count with GROUP BY in the database instead of reading every payload.

Answers stored before are filled from their payloads in chunks, and one verdict per
dossier is decided for every dossier rated more than once.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from portal.forms import find_form
from portal.store.answer_facts import add_facts, answer_facts, settle_dossiers

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CHUNK = 1000
# The columns a report reads, in one index it can read alone (models.REPORT_COLUMNS then).
REPORT_COLUMNS = (
    "form_id",
    "local_day",
    "unit_code",
    "counter",
    "officer",
    "local_month",
    "channel",
    "status",
    "verdict",
    "flags",
    "form_version",
)


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("counter", sa.String(64), nullable=True))
        batch.add_column(sa.Column("officer", sa.String(64), nullable=True))
        batch.add_column(sa.Column("status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("local_day", sa.Date(), nullable=True))
        batch.add_column(sa.Column("local_month", sa.String(7), nullable=True))
        batch.add_column(sa.Column("flags", sa.String(200), server_default="", nullable=False))
        batch.add_column(sa.Column("follows", sa.String(36), nullable=True))
        batch.create_index("ix_answers_report", list(REPORT_COLUMNS))
        batch.create_index(
            "ix_answers_unit_day", ["unit_code", "local_day", "flags", "follows", "counter"]
        )
    connection = op.get_bind()
    inspector = sa.inspect(connection)
    # The portal's create_all, run before migrating, may have made them.
    if not inspector.has_table("answer_choices"):
        _create_answer_choices()
    if not inspector.has_table("answer_texts"):
        _create_answer_texts()
    if not inspector.has_table("quotas"):
        _create_quotas()
    if not inspector.has_table("api_tokens"):
        op.create_table(
            "api_tokens",
            sa.Column("name", sa.String(64), primary_key=True),
            sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("revoked_at", sa.DateTime, nullable=True),
        )
    _fill(connection)


def _create_quotas() -> None:
    op.create_table(
        "quotas",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("counter", sa.String(64), nullable=True),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("added_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_quotas_unit_code", "quotas", ["unit_code"])


def _create_answer_texts() -> None:
    op.create_table(
        "answer_texts",
        sa.Column("answer_id", sa.Integer, sa.ForeignKey("answers.id"), primary_key=True),
        sa.Column("question_id", sa.String(64), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        *_repeated_columns(),
        sa.Column("finished_at", sa.DateTime, nullable=False),
        sa.Column("flagged", sa.Boolean, nullable=False),
    )
    op.create_index("ix_answer_texts_form_id_local_day", "answer_texts", ["form_id", "local_day"])


def _repeated_columns() -> list[sa.Column]:
    """The answer's filter columns answer_choices and answer_texts repeat."""
    return [
        sa.Column("form_id", sa.String(64), nullable=False),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("counter", sa.String(64), nullable=True),
        sa.Column("officer", sa.String(64), nullable=True),
        sa.Column("local_day", sa.Date, nullable=True),
    ]


def _create_answer_choices() -> None:
    op.create_table(
        "answer_choices",
        sa.Column("answer_id", sa.Integer, sa.ForeignKey("answers.id"), primary_key=True),
        sa.Column("question_id", sa.String(64), primary_key=True),
        sa.Column("choice", sa.String(64), primary_key=True),
        *_repeated_columns(),
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.Column("first", sa.Boolean, nullable=False),
    )
    op.create_index(
        "ix_answer_choices_form_id_local_day", "answer_choices", ["form_id", "local_day"]
    )


def _fill(connection: sa.Connection) -> None:
    answers = sa.table(
        "answers",
        sa.column("id", sa.Integer),
        sa.column("payload", sa.JSON),
        sa.column("finished_at", sa.DateTime),
        sa.column("form_version", sa.Integer),
        *(sa.column(name, sa.String) for name in ("form_id", "unit_code", "channel")),
        *(sa.column(name, sa.String) for name in ("dossier_code", "verdict")),
    )
    forms: dict = {}
    codes: set[str] = set()
    last = 0
    while True:
        query = sa.select(answers).where(answers.c.id > last).order_by(answers.c.id).limit(CHUNK)
        rows = connection.execute(query).mappings().all()
        if not rows:
            break
        stored = {}
        for row in rows:
            key = (row["form_id"], row["form_version"])
            if key not in forms:
                forms[key] = find_form(connection, *key)
            facts = answer_facts(row["payload"] or {}, row["finished_at"], forms[key])
            stored[row["id"]] = dict(row) | facts.columns | {"_facts": facts}
            if row["dossier_code"] and row["verdict"]:
                codes.add(row["dossier_code"])
        _update_columns(connection, stored)
        add_facts(connection, stored)
        last = rows[-1]["id"]
    settle_dossiers(connection, codes)


def _update_columns(connection: sa.Connection, stored: dict) -> None:
    names = ("counter", "officer", "status", "local_day", "local_month", "flags", "follows")
    answers = sa.table(
        "answers",
        sa.column("id", sa.Integer),
        sa.column("local_day", sa.Date),
        *(sa.column(name, sa.String) for name in names if name != "local_day"),
    )
    values = [
        {"row_id": answer_id} | {f"new_{name}": row[name] for name in names}
        for answer_id, row in stored.items()
    ]
    connection.execute(
        answers.update()
        .where(answers.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(f"new_{name}") for name in names}),
        values,
    )


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("quotas")
    op.drop_table("answer_texts")
    op.drop_table("answer_choices")
    with op.batch_alter_table("answers") as batch:
        batch.drop_index("ix_answers_unit_day")
        batch.drop_index("ix_answers_report")
        for name in ("follows", "flags", "local_month", "local_day"):
            batch.drop_column(name)
        for name in ("status", "officer", "counter"):
            batch.drop_column(name)
