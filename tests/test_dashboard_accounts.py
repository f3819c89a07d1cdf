"""The dashboard's accounts over HTTP on the real portal: signing in and out, wrong
passwords and the lockout, sessions that end, CSRF and same-origin checks on every POST,
no open redirect after sign-in, the audit of each sign-in, `portal user` refusing what will
not do, and portal.yaml refused with its line.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from portal.dashboard.accounts import hash_password, password_matches
from portal.dashboard.config import ConfigError, load_config
from tests.dashboard_support import PASSWORD, USERS, _run_with_stdin, csrf_of, start_dashboard

SIGN_IN = "/quan-tri/dang-nhap"


@pytest.fixture(scope="module")
def dash(tmp_path_factory):
    server = start_dashboard(
        tmp_path_factory.mktemp("accounts"),
        answers=False,
        config="  lockout_attempts: 3\n  lockout_minutes: 10\n",
    )
    yield server
    server.stop()


def db_rows(dash, query: str, *params) -> list[tuple]:
    with sqlite3.connect(dash.portal.db.split("///", 1)[1]) as connection:
        return connection.execute(query, params).fetchall()


def sign_in(dash, name: str, password: str, next_page: str = "") -> requests.Response:
    return requests.post(
        dash.url + SIGN_IN,
        data={"name": name, "password": password, "next": next_page},
        allow_redirects=False,
        timeout=30,
    )


def test_each_role_is_sent_to_its_own_first_page(dash):
    homes = {
        "province": "/quan-tri/ket-qua",
        "unit_head": "/quan-tri/ket-qua",
        "verifier": "/quan-tri/phuc-tra",
        "it": "/quan-tri/thiet-bi",
    }
    for role, home in homes.items():
        reply = dash.signed_in(role).get(dash.url + "/quan-tri/", allow_redirects=False)
        assert (reply.status_code, reply.headers["location"]) == (303, home), role


def test_a_page_asked_without_signing_in_is_reached_after_signing_in(dash):
    wanted = "/quan-tri/ket-qua?sort=name"
    reply = requests.get(dash.url + wanted, allow_redirects=False, timeout=30)
    assert reply.status_code == 303
    assert reply.headers["location"] == f"{SIGN_IN}?next=%2Fquan-tri%2Fket-qua%3Fsort%3Dname"
    signed = sign_in(dash, "tinh", PASSWORD, wanted)
    assert (signed.status_code, signed.headers["location"]) == (303, wanted)
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/quan-tri" in cookie


def test_sign_in_never_sends_the_browser_to_another_site(dash):
    for elsewhere in (
        "https://evil.example/",
        "//evil.example/quan-tri/",
        "/quan-tri//evil.example",
    ):
        reply = sign_in(dash, "tinh", PASSWORD, elsewhere)
        assert reply.headers["location"] == "/quan-tri/", elsewhere


def test_a_wrong_password_is_refused_in_vietnamese_and_audited(dash):
    reply = sign_in(dash, "lanhdao-hc", "sai-mat-khau-roi")
    assert reply.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in reply.text
    assert "set-cookie" not in reply.headers
    unknown = sign_in(dash, "khong-co-ai", "sai-mat-khau-roi")
    assert unknown.status_code == 401 and unknown.text.count("không đúng") == 1
    refused = db_rows(
        dash, "SELECT user_name FROM dashboard_events WHERE action = 'sign_in_refused'"
    )
    assert ("lanhdao-hc",) in refused and ("khong-co-ai",) in refused
    assert sign_in(dash, "lanhdao-hc", PASSWORD).status_code == 303  # the count starts again


def test_wrong_passwords_in_a_row_lock_the_account_even_for_the_right_one(dash):
    name = "kythuat"
    for _ in range(2):
        assert sign_in(dash, name, "khong-phai-mat-khau").status_code == 401
    locked = sign_in(dash, name, "khong-phai-mat-khau")
    assert locked.status_code == 429 and "tạm khóa" in locked.text and "10 phút" in locked.text
    assert sign_in(dash, name, PASSWORD).status_code == 429  # right, but it waits
    db_rows(dash, "UPDATE users SET locked_until = ? WHERE name = ?", "2000-01-01 00:00:00", name)
    assert sign_in(dash, name, PASSWORD).status_code == 303
    actions = db_rows(dash, "SELECT action FROM dashboard_events WHERE user_name = ?", name)
    assert ("locked",) in actions and ("sign_in",) in actions


def test_a_session_ends_when_idle_and_at_sign_out(dash):
    session = dash.signed_in("province")
    assert session.get(dash.url + "/quan-tri/", allow_redirects=False).status_code == 303
    page = requests.get(dash.url + SIGN_IN, timeout=30)  # any page with the layout's form
    assert page.status_code == 200
    past = (datetime.utcnow() - timedelta(minutes=1)).isoformat(sep=" ")
    db_rows(dash, "UPDATE web_sessions SET expires_at = ? WHERE user_name = 'tinh'", past)
    gone = session.get(dash.url + "/quan-tri/", allow_redirects=False)
    assert gone.headers["location"].startswith(SIGN_IN)
    again = dash.signed_in("province")
    home = again.get(dash.url + "/quan-tri/ket-qua", allow_redirects=False)
    token = _csrf_or_none(home.text) or _session_csrf(dash, "tinh")
    out = again.post(dash.url + "/quan-tri/dang-xuat", data={"csrf": token}, allow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, SIGN_IN)
    after = again.get(dash.url + "/quan-tri/", allow_redirects=False)
    assert after.headers["location"].startswith(SIGN_IN)


def test_a_post_without_the_sessions_csrf_token_or_from_another_site_is_refused(dash):
    session = dash.signed_in("unit_head")
    token = _session_csrf(dash, "lanhdao-hc")
    url = dash.url + "/quan-tri/dang-xuat"
    assert session.post(url, data={}, allow_redirects=False).status_code == 403
    assert session.post(url, data={"csrf": "x" * 43}, allow_redirects=False).status_code == 403
    foreign = session.post(
        url, data={"csrf": token}, headers={"Origin": "https://evil.example"}, allow_redirects=False
    )
    assert foreign.status_code == 403 and "Không được phép" in foreign.text
    assert session.post(url, data={"csrf": token}, allow_redirects=False).status_code == 303


def test_only_the_hash_of_a_password_or_a_session_is_kept(dash):
    session = dash.signed_in("verifier")
    cookie = session.cookies.get("khl_session")
    stored = db_rows(dash, "SELECT password_hash FROM users WHERE name = 'phuctra-hc'")[0][0]
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    hashes = [row[0] for row in db_rows(dash, "SELECT token_hash FROM web_sessions")]
    assert cookie not in hashes and len(hashes[0]) == 64
    raw = Path(dash.portal.db.split("///", 1)[1]).read_bytes()
    assert PASSWORD.encode() not in raw and cookie.encode() not in raw


def test_the_user_command_refuses_what_will_not_do(dash):
    def add(*args: str, password: str = PASSWORD):
        return _run_with_stdin(dash.portal.db, ["user", "add", *args], password)

    assert "ít nhất 10 ký tự" in add("moi", "--role", "it", password="ngan").stderr
    assert "cần ít nhất một đơn vị" in add("moi", "--role", "unit_head").stderr
    assert "Đã có tài khoản" in add(USERS["it"][0], "--role", "it").stderr
    bad_role = add("moi", "--role", "admin")
    assert bad_role.returncode == 2 and "invalid choice" in bad_role.stderr
    listed = dash.portal.portal("user", "list")
    assert "lanhdao-hc\tunit_head\tDNG-HC" in listed.stdout
    disabled = dash.portal.portal("user", "disable", "phuctra-hc")
    assert disabled.returncode == 0
    assert sign_in(dash, "phuctra-hc", PASSWORD).status_code == 401


def test_a_password_hash_checks_only_its_own_password():
    stored = hash_password("mot-mat-khau-dai")
    assert password_matches("mot-mat-khau-dai", stored)
    assert not password_matches("mot-mat-khau-dai ", stored)
    assert not password_matches("mot-mat-khau-dai", "md5$abc")
    assert hash_password("mot-mat-khau-dai") != stored  # salted


def test_a_broken_portal_yaml_is_refused_with_its_line(tmp_path):
    config = tmp_path / "portal.yaml"
    config.write_text("dashboard:\n  session_hours: 12\n  lockout_minutes: -5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"portal.yaml:3: lockout_minutes phải là"):
        load_config(config)
    config.write_text("dashboard:\n  sesion_hours: 12\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r":2: không có khóa dashboard.sesion_hours"):
        load_config(config)
    config.write_text('dashboard:\n  opening_hours: "17:00-07:30"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="07:30-17:00"):
        load_config(config)
    config.write_text("alerts:\n  smtp: {host: mail, to: [khong-phai-dia-chi]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="địa chỉ thư"):
        load_config(config)
    config.write_text("dashboard: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="không đọc được"):
        load_config(config)


def _csrf_or_none(html: str) -> str | None:
    try:
        return csrf_of(html)
    except AssertionError:
        return None


def _session_csrf(dash, name: str) -> str:
    """The newest session's CSRF token of `name`, as its pages carry it."""
    rows = db_rows(
        dash, "SELECT csrf FROM web_sessions WHERE user_name = ? ORDER BY created_at DESC", name
    )
    return rows[0][0]


def test_guesses_sent_at_once_are_counted_before_any_is_checked(dash):
    """Thirty wrong passwords at once: the limit (3 here) is checked, the rest are refused
    unchecked (counted after checking, all thirty had been checked)."""
    from concurrent.futures import ThreadPoolExecutor

    made = _run_with_stdin(dash.portal.db, ["user", "add", "song-song", "--role", "it"], PASSWORD)
    assert made.returncode == 0, made.stderr
    with ThreadPoolExecutor(30) as pool:
        replies = list(pool.map(lambda n: sign_in(dash, "song-song", f"doan-sai-{n}"), range(30)))
    statuses = [reply.status_code for reply in replies]
    assert statuses.count(401) <= 2 and set(statuses) <= {401, 429, 503}, statuses
    assert sign_in(dash, "song-song", PASSWORD).status_code == 429  # right, but locked


def test_a_name_the_portal_does_not_know_locks_as_a_known_one_does(dash):
    replies = [sign_in(dash, "ai-do-khong-co", "khong-phai-mat-khau") for _ in range(4)]
    assert [reply.status_code for reply in replies] == [401, 401, 429, 429]
    assert "tạm khóa" in replies[-1].text
