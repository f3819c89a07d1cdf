"""How both databases name their constraints and indexes (SQLAlchemy's naming convention).

The kiosk's SQLite file and the portal's database follow one convention, so that a
migration can name what it changes and a report can read either schema the same way.
"""

from __future__ import annotations

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
