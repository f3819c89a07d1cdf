"""TLS: the daemon verifies the portal's certificate, and trusts a private CA when told to."""

from __future__ import annotations

import sqlite3
import subprocess
import warnings

import pytest

from tests.conftest import write_config
from tests.portal_support import kiosk, start_portal, sync

pytestmark = pytest.mark.slow


def _private_ca(folder) -> tuple:
    """A CA and a certificate for 127.0.0.1 signed by it, made with the openssl command."""
    ca_key, ca_cert = folder / "ca.key", folder / "ca.pem"
    key, request, cert = folder / "portal.key", folder / "portal.csr", folder / "portal.pem"
    extensions = folder / "san.cnf"
    extensions.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    for command in (
        [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            ca_key,
            "-out",
            ca_cert,
            "-days",
            "2",
            "-subj",
            "/CN=Kiosk test CA",
        ],
        [
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            request,
            "-subj",
            "/CN=127.0.0.1",
        ],
        [
            "x509",
            "-req",
            "-in",
            request,
            "-CA",
            ca_cert,
            "-CAkey",
            ca_key,
            "-CAcreateserial",
            "-out",
            cert,
            "-days",
            "2",
            "-extfile",
            extensions,
        ],
    ):
        subprocess.run(["openssl", *map(str, command)], check=True, capture_output=True)
    return ca_cert, cert, key


def test_unknown_certificate_is_refused_until_the_private_ca_is_configured(tmp_path):
    ca, cert, key = _private_ca(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        portal = start_portal(f"sqlite:///{tmp_path / 'portal.db'}", tls=(cert, key))
    data = tmp_path / "kiosk"
    try:
        portal.enrol(data)
        assert kiosk("demo-data", "--answers", "5", "--data-dir", str(data)).returncode == 0
        refused = sync("--once", "--data-dir", str(data))
        assert refused.returncode == 1
        assert "tls" in refused.stderr
        config = write_config(tmp_path / "config.yaml", portal__ca_file=str(ca))
        trusted = sync("--once", "--config", str(config), "--data-dir", str(data))
        assert trusted.returncode == 0, trusted.stderr
    finally:
        portal.stop()
    with sqlite3.connect(tmp_path / "portal.db") as connection:
        assert connection.execute("SELECT count(*) FROM answers").fetchone() == (5,)
