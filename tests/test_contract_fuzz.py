"""The contract fuzzed by schemathesis on the running portal, on SQLite and on PostgreSQL,
with requests signed as a kiosk signs them: no 5xx, every refusal in the contract's error
format, and nothing stored that is not a valid answer.

PostgreSQL is the stricter store (VARCHAR lengths, 32-bit INTEGER, no NUL in text): what
SQLite silently kept, it refused with a 500, so the contract is fuzzed on both.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from contract.signing import signed_headers
from portal.schemas import AnswerIn, ErrorResponse
from tests.conftest import ROOT
from tests.portal_support import start_portal

pytestmark = pytest.mark.slow

schema = schemathesis.openapi.from_path(str(ROOT / "portal" / "openapi.json"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def portal(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        db = f"sqlite:///{folder / 'portal.db'}"
    else:
        db = request.getfixturevalue("postgres").new_database(f"fuzz_{uuid.uuid4().hex[:12]}")
    server = start_portal(db, log=folder / "portal.log")
    made = server.portal("device", "add", "--unit", "DNG-HC", "--counter", "Q1")
    server.device = json.loads(made.stdout)
    yield server
    server.stop()


@schema.parametrize()
# derandomize: the same examples on every run, so that a failure is the code's, not luck's.
@settings(
    max_examples=100, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
def test_no_request_makes_the_portal_fail(portal, case):
    kwargs = case.as_transport_kwargs(base_url=portal.url)
    raw = kwargs.pop("data", None)
    if "json" in kwargs:
        body = json.dumps(kwargs.pop("json")).encode()
    else:
        body = raw.encode() if isinstance(raw, str) else (raw or b"")
    path = case.formatted_path
    kwargs["headers"] = dict(kwargs["headers"]) | signed_headers(
        portal.device["device_id"],
        portal.device["secret"],
        case.method,
        path,
        int(time.time()),
        body,
    )
    response = requests.request(data=body, timeout=30, **kwargs)
    assert response.status_code < 500, response.text
    if response.status_code >= 300:
        assert_contract_error(response)


def assert_contract_error(response: requests.Response) -> None:
    """The portal's error body, and nothing else: {"error": {code, message, server_time}}."""
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert set(body) == {"error"}, body
    ErrorResponse.model_validate(body)


def test_only_valid_answers_were_stored(portal):
    from sqlalchemy import create_engine, text

    engine = create_engine(portal.db)
    with engine.connect() as connection:
        payloads = list(connection.execute(text("SELECT payload FROM answers")).scalars())
    engine.dispose()
    for payload in payloads:
        answer = AnswerIn.model_validate(
            json.loads(payload) if isinstance(payload, str) else payload
        )
        assert (answer.form_id, answer.form_version) == ("danang-2223", 1)
