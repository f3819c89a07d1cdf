"""The kiosk's domain: forms, the survey flow, validators. Pure Python: no Kivy, no SQLAlchemy."""
