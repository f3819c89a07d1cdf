"""The portal's store: its tables (models), its one engine factory (engine), and the reads
and writes of devices, counters and settings that the API, the CLI and the set-up share.

SQLite (WAL) for a pilot, PostgreSQL by URL for a city: nothing here is for one of them
only. Importing this package imports nothing (portal/local.py looks without SQLAlchemy).
"""
