"""The contract fuzzed by schemathesis on the running portal, with requests signed as a
kiosk signs them: no 5xx, and nothing stored that is not a valid answer."""

from __future__ import annotations

import json
import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from kiosk.domain.signing import signed_headers
from portal.schemas import AnswerIn
from tests.conftest import ROOT
from tests.portal_support import start_portal

pytestmark = pytest.mark.slow

schema = schemathesis.openapi.from_path(str(ROOT / "portal" / "openapi.json"))


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    server = start_portal(f"sqlite:///{folder / 'portal.db'}", log=folder / "portal.log")
    made = server.portal("device", "add", "--unit", "DNG-HC", "--counter", "Q1")
    server.device = json.loads(made.stdout)
    yield server
    server.stop()


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_portal_fail(portal, case):
    kwargs = case.as_transport_kwargs(base_url=portal.url)
    raw = kwargs.pop("data", None)
    if "json" in kwargs:
        body = json.dumps(kwargs.pop("json")).encode()
    else:
        body = raw.encode() if isinstance(raw, str) else (raw or b"")
    path = case.formatted_path
    kwargs["headers"] = dict(kwargs["headers"]) | signed_headers(
        portal.device["device_id"], portal.device["secret"], case.method, path,
        int(time.time()), body,
    )  # fmt: skip
    response = requests.request(data=body, timeout=30, **kwargs)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/json")
        assert "error" in response.json() or "detail" in response.json()


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
