"""The portal's HTTP API: the app (app.py), one router per resource (answers, heartbeat,
audit, enrolments, health), what they share before a body is read (auth.py), and the
replies' and refusals' format (replies.py). Reports and forms get routers of their own
here when they come.
"""

from __future__ import annotations

from portal.api.app import create_app, known_forms, openapi_document

__all__ = ["create_app", "known_forms", "openapi_document"]
