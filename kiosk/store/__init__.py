"""The kiosk's SQLite store: models, engine set-up, migrations, the outbox."""
