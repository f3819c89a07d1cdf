"""The access log without secrets: a token, key or signature someone put in a URL's query
string (the API refuses it there, but uvicorn logs the URL first) is written as "***"."""

from __future__ import annotations

import copy
import logging
import re

from uvicorn.config import LOGGING_CONFIG

_SECRET = re.compile(
    r"((?:^|[?&;])[^=&;]*(?:token|key|secret|password|signature|sig)[^=&;]*=)[^&;]*", re.I
)


_HIDDEN = r"\1***"


class RedactSecrets(logging.Filter):
    """uvicorn.access's records: (client, method, path with query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            args[2] = redact(str(args[2]))
            record.args = tuple(args)
        return True


def redact(path: str) -> str:
    """A path with every secret-looking query value replaced."""
    where, _, query = path.partition("?")
    if not query:
        return path
    return where + "?" + _SECRET.sub(_HIDDEN, query)


def logging_config() -> dict:
    """uvicorn's own logging, its access log filtered."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": RedactSecrets}
    config["handlers"]["access"]["filters"] = ["redact"]
    return config
