"""Answers carry their channel (kiosk, web, paper, phone); only a tablet's has a device.

The web survey's answers and a clerk's import reach the portal from no device: the
answer's `received_from` and an intake event's `device_id` may be NULL. Every answer
stored before came from a tablet: its channel is "kiosk".

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("channel", sa.String(8), nullable=False, server_default="kiosk"))
        batch.alter_column("received_from", existing_type=sa.String(64), nullable=True)
        batch.create_index(batch.f("ix_answers_channel"), ["channel"])
    with op.batch_alter_table("intake_events") as batch:
        batch.alter_column("device_id", existing_type=sa.String(64), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("intake_events") as batch:
        batch.alter_column("device_id", existing_type=sa.String(64), nullable=False)
    with op.batch_alter_table("answers") as batch:
        batch.drop_index(batch.f("ix_answers_channel"))
        batch.alter_column("received_from", existing_type=sa.String(64), nullable=False)
        batch.drop_column("channel")
