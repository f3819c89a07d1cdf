"""The published results over HTTP on the real portal, without signing in: a unit's page
and the province's, their CSV and JSON, the iframe-friendly headers, nothing personal,
comments only when the province turns them on, and the refusals (an unknown unit, a
period that cannot be read) in Vietnamese.

Every figure is checked against build_report for the same filters, on SQLite and on
PostgreSQL. The PostgreSQL portal is the one started with `public_comments: true` (one
portal fewer to start; the comments do not depend on the database).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime

import pytest
import requests

from portal.dashboard import public_data
from portal.reports.compute import build_report
from portal.reports.numbers import vi_count, vi_percent
from portal.reports.request import ReportRequest, parse_period
from portal.store.answer_facts import LOCAL_ZONE
from portal.store.engine import make_portal_engine
from tests.dashboard_support import start_dashboard
from tests.portal_support import run

UNIT = "DNG-HC"
NAME = "UBND phường Hải Châu"
DOSSIERS = "4000"
COMMENTS = ("Cán bộ tận tình, chu đáo", "Phải chờ khá lâu")  # what the demo citizens wrote
PHONE = re.compile(r"0\d(?:[ .]?\d){8}")  # a Vietnamese mobile number, however spaced


def _start(folder, db: str = "", config: str = ""):
    server = start_dashboard(folder, db=db, config=config)
    named = run(
        "-m", "portal", "--db", server.portal.db, "unit", UNIT,
        "--name", NAME, "--yearly-dossiers", DOSSIERS,
    )  # fmt: skip
    assert named.returncode == 0, named.stderr
    return server


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory):
    server = _start(tmp_path_factory.mktemp("public-sqlite"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def on_postgresql(tmp_path_factory, postgres):
    url = postgres.new_database(f"pub_{uuid.uuid4().hex[:12]}")
    server = _start(tmp_path_factory.mktemp("public-pg"), url, "  public_comments: true\n")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def dash(request):
    return request.getfixturevalue("on_sqlite" if request.param == "sqlite" else "on_postgresql")


def today():
    return datetime.now(LOCAL_ZONE).date()


def report(dash, ky: str, units: tuple[str, ...] = ()) -> dict:
    """build_report for what the page counts, straight from the portal's database."""
    period = parse_period(ky)
    engine = make_portal_engine(dash.portal.db)
    try:
        asked = ReportRequest(
            units=units,
            start=period.start,
            end=period.end,
            period_label=period.label,
            today=today(),
            comments_limit=0,
        )
        return build_report(engine, asked)
    finally:
        engine.dispose()


def get(dash, path: str) -> requests.Response:
    # A bare request: no session, no cookie, as any visitor or ward website asks.
    return requests.get(dash.url + path, allow_redirects=False, timeout=60)


def periods() -> list[str]:
    now = today()
    return [str(now.year), f"{now.year}-Q{(now.month - 1) // 3 + 1}", f"{now:%Y-%m}"]


# --- figures -------------------------------------------------------------------------------
def test_a_units_figures_are_the_reports(dash):
    for ky in periods():
        expected = report(dash, ky, (UNIT,))
        reply = get(dash, f"/cong-khai/{UNIT}.json?ky={ky}")
        assert reply.status_code == 200, reply.text
        data = reply.json()
        satisfaction = expected["satisfaction"]
        assert data["counted"] == expected["answers"]["counted"] > 0, ky
        assert data["satisfied"] == satisfaction["satisfied"]
        assert data["not_satisfied"] == satisfaction["not_satisfied"]
        assert data["mdhl_percent"] == satisfaction["percent"]
        assert data["flagged"] == expected["answers"]["flagged"]
        assert {r["id"]: r["count"] for r in data["reasons"]} == {
            r["id"]: r["count"] for r in expected["reasons"]
        }
        yearly = next(t for t in expected["targets"] if t["kind"] == "yearly")
        assert (data["target"], data["target_counted"]) == (yearly["target"], yearly["counted"])
        assert data["period"]["label"] == parse_period(ky).label

        page = get(dash, f"/cong-khai/{UNIT}?ky={ky}")
        assert page.status_code == 200
        mdhl = re.search(r'id="mdhl"><span class="value">([^<]+)<', page.text)
        assert mdhl and mdhl[1] == vi_percent(satisfaction["percent"])
        counted = re.search(r'id="counted"><span class="value">([^<]+)<', page.text)
        assert counted and counted[1] == vi_count(expected["answers"]["counted"])
        assert NAME in page.text and parse_period(ky).label in page.text
        for reason in expected["reasons"]:
            if reason["count"]:
                assert reason["label"] in page.text


def test_the_page_shows_the_target_the_reasons_the_index_and_the_method(on_sqlite):
    page = get(on_sqlite, f"/cong-khai/{UNIT}").text
    expected = report(on_sqlite, str(today().year), (UNIT,))
    yearly = next(t for t in expected["targets"] if t["kind"] == "yearly")
    assert (
        "So với mẫu tối thiểu" in page and f"<strong>{vi_count(yearly['target'])}</strong>" in page
    )
    assert "Lý do chưa hài lòng" in page and "Chỉ số hài lòng" in page
    # The quick form's index is its MĐHL.
    assert "Mức độ hài lòng chung" in page and "chính là MĐHL" in page
    assert "Hài lòng” ÷ số phiếu" in page and "không được tính" in page  # the method
    # A unit without a dossier count has no target to compare with, and says so.
    other = get(on_sqlite, "/cong-khai/DNG-TK").text
    assert "chưa có mẫu tối thiểu" in other


def test_the_province_is_one_report_by_unit(dash):
    for ky in periods()[:2]:
        expected = report(dash, ky)
        data = get(dash, f"/cong-khai.json?ky={ky}").json()
        rows = {row["key"]: row for row in expected["groups"]["unit"]}
        assert [u["unit"] for u in data["units"]] == ["DNG-HC", "DNG-LC", "DNG-TK"]
        for unit in data["units"]:
            row = rows[unit["unit"]]
            assert (unit["counted"], unit["satisfied"], unit["not_satisfied"]) == (
                row["counted"],
                row["satisfied"],
                row["not_satisfied"],
            )
            assert unit["mdhl_percent"] == row["percent"]
            assert unit["url"] == f"/cong-khai/{unit['unit']}.json"
        total = data["total"]
        assert total["counted"] == expected["answers"]["counted"]
        assert total["mdhl_percent"] == expected["satisfaction"]["percent"]
        assert [r["count"] for r in data["reasons"]] == [r["count"] for r in expected["reasons"]]
        assert data["units"][0]["name"] == NAME and data["units"][0]["target"] > 0
        assert data["units"][1]["target"] is None  # DNG-LC has no dossier count

        page = get(dash, f"/cong-khai?ky={ky}").text
        assert f'<td class="num">{vi_percent(expected["satisfaction"]["percent"])}</td>' in page
        assert f'href="/cong-khai/DNG-LC?ky={ky}"' in page


def test_every_unit_is_listed_even_without_answers_in_the_period(on_sqlite):
    data = get(on_sqlite, f"/cong-khai.json?ky={today().year - 3}").json()
    assert [u["counted"] for u in data["units"]] == [0, 0, 0]
    assert data["total"]["mdhl_percent"] is None
    page = get(on_sqlite, f"/cong-khai/{UNIT}?ky={today().year - 3}")
    assert page.status_code == 200 and "Không có phiếu “Chưa hài lòng”" in page.text


def test_periods_are_read_as_the_reports_read_them(on_sqlite):
    for ky, label in (
        ("2026-Q3", "quý III/2026"),
        ("11/2026", "tháng 11/2026"),
        ("2026-h1", "6 tháng đầu năm 2026"),
    ):
        page = get(on_sqlite, f"/cong-khai/{UNIT}?ky={quote(ky)}")
        assert page.status_code == 200 and label in page.text, ky
    default = get(on_sqlite, f"/cong-khai/{UNIT}").text
    assert f"năm {today().year}" in default
    assert f'<option value="{today().year}" selected>' in default


def quote(text: str) -> str:
    from urllib.parse import quote as url_quote

    return url_quote(text, safe="")


# --- no sign-in, nothing personal ------------------------------------------------------------
def test_no_sign_in_is_needed(on_sqlite):
    for path in ("/cong-khai", f"/cong-khai/{UNIT}", "/cong-khai.csv", f"/cong-khai/{UNIT}.json"):
        reply = get(on_sqlite, path)
        assert reply.status_code == 200, path
        assert "set-cookie" not in reply.headers
    page = get(on_sqlite, f"/cong-khai/{UNIT}").text
    assert "Đăng xuất" not in page and "csrf" not in page
    assert not re.search(r'<a [^>]*href="/quan-tri', page)  # no way into the dashboard


def test_nothing_personal_and_no_comments_unless_turned_on(on_sqlite, on_postgresql):
    paths = ("/cong-khai", f"/cong-khai/{UNIT}", f"/cong-khai/{UNIT}?nhung=1")
    paths += ("/cong-khai.json", "/cong-khai.csv")
    paths += (f"/cong-khai/{UNIT}.json", f"/cong-khai/{UNIT}.csv")
    for server in (on_sqlite, on_postgresql):
        for path in paths:
            text = get(server, path).content.decode("utf-8-sig")
            assert not PHONE.search(text), (path, PHONE.search(text))
            for officer in ("CB01", "CB02", "CB11", "CB21"):
                assert officer not in text, path
            if server is on_sqlite or not path.endswith(f"/cong-khai/{UNIT}"):
                for comment in COMMENTS:
                    assert comment not in text, path  # open data never carries comments
    assert "Ý kiến của người dân" not in get(on_sqlite, f"/cong-khai/{UNIT}").text
    shown = get(on_postgresql, f"/cong-khai/{UNIT}").text
    assert "Ý kiến của người dân" in shown
    assert any(comment in shown for comment in COMMENTS)
    items = re.search(r'<ul class="comments">(.*?)</ul>', shown, re.S)
    assert items and 0 < items[1].count("<li>") <= public_data.PUBLIC_COMMENTS


# --- embedding ------------------------------------------------------------------------------
def test_public_pages_may_be_framed_while_the_dashboard_may_not(on_sqlite):
    for path in ("/cong-khai", f"/cong-khai/{UNIT}", f"/cong-khai/{UNIT}?nhung=1"):
        headers = get(on_sqlite, path).headers
        assert "x-frame-options" not in headers, path
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" not in policy
        assert "default-src 'none'" in policy and "style-src 'self'" in policy
        assert "script-src 'self'" in policy and "img-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert headers["cache-control"] == "public, max-age=300"
    private = get(on_sqlite, "/quan-tri/dang-nhap").headers
    assert private["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in private["content-security-policy"]


def test_the_embedded_page_is_compact_and_opens_links_outside_the_frame(on_sqlite):
    page = get(on_sqlite, f"/cong-khai/{UNIT}?nhung=1").text
    assert '<header class="bar">' not in page and 'class="public embed"' in page
    assert 'id="mdhl"' in page and "Lý do chưa hài lòng" in page
    links = re.findall(r"<a [^>]*>", page)
    assert links and all('target="_blank"' in link and "noopener" in link for link in links)
    full = get(on_sqlite, f"/cong-khai/{UNIT}").text
    assert '<header class="bar">' in full and "?nhung=1" in full  # the code to embed it


# --- open data ------------------------------------------------------------------------------
KEYS = {"unit", "name", "period", "counted", "satisfied", "not_satisfied", "mdhl_percent"}
KEYS |= {"target", "reasons"}


def test_json_has_the_keys_and_may_be_read_from_any_site(on_sqlite):
    for path in (f"/cong-khai/{UNIT}.json", "/cong-khai.json"):
        reply = get(on_sqlite, path)
        assert reply.headers["access-control-allow-origin"] == "*"
        assert reply.headers["content-type"].startswith("application/json")
        assert reply.headers["cache-control"] == "public, max-age=300"
    unit = get(on_sqlite, f"/cong-khai/{UNIT}.json").json()
    assert set(unit) >= KEYS and "comments" not in unit
    assert {"label", "from", "to", "as_of"} <= set(unit["period"])
    assert all({"id", "label", "count"} <= set(reason) for reason in unit["reasons"])
    province = get(on_sqlite, "/cong-khai.json").json()
    assert KEYS - {"reasons", "period"} <= set(province["units"][0])
    assert KEYS - {"reasons", "period"} <= set(province["total"])


def test_csv_has_a_bom_and_the_same_figures(dash):
    for path, json_path in (
        (f"/cong-khai/{UNIT}.csv", f"/cong-khai/{UNIT}.json"),
        ("/cong-khai.csv", "/cong-khai.json"),
    ):
        reply = get(dash, path)
        assert reply.headers["content-type"].startswith("text/csv")
        assert "attachment" in reply.headers["content-disposition"]
        assert reply.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))
        data = get(dash, json_path).json()
        listed = [data] if "units" not in data else [*data["units"], data["total"]]
        assert len(rows) == len(listed)
        for row, figures in zip(rows, listed, strict=True):
            assert row["unit"] == (figures["unit"] or "TOAN-TINH")
            assert row["name"] == figures["name"]
            assert int(row["counted"]) == figures["counted"]
            assert int(row["satisfied"]) == figures["satisfied"]
            assert int(row["not_satisfied"]) == figures["not_satisfied"]
            assert float(row["mdhl_percent"]) == figures["mdhl_percent"]
            assert row["target"] == ("" if figures["target"] is None else str(figures["target"]))
        last = rows[-1]
        for reason in data["reasons"]:
            assert int(last[f"reason_{reason['id']}"]) == reason["count"]


# --- refusals -------------------------------------------------------------------------------
def test_an_unknown_unit_is_404_in_vietnamese(on_sqlite):
    page = get(on_sqlite, "/cong-khai/DNG-XX")
    assert page.status_code == 404
    assert "Không tìm thấy đơn vị" in page.text and "Cổng không có đơn vị này" in page.text
    assert "x-frame-options" not in page.headers and page.headers["cache-control"] == "no-store"
    data = get(on_sqlite, "/cong-khai/DNG-XX.json")
    assert data.status_code == 404 and "không có đơn vị" in data.json()["error"]
    assert get(on_sqlite, "/cong-khai/DNG-XX.csv").status_code == 404
    # Letter case aside, a unit is the portal's.
    assert get(on_sqlite, "/cong-khai/dng-hc.json").json()["unit"] == UNIT


def test_a_period_that_cannot_be_read_is_400_in_vietnamese(on_sqlite):
    for ky, words in (
        ("2026-X", "Không đọc được kỳ báo cáo"),
        ("3000", "nằm ngoài 1900–2100"),
        ("2026-13", "Không đọc được kỳ báo cáo"),
        ("2" * 40, "Kỳ báo cáo quá dài"),
    ):
        for path in ("/cong-khai", f"/cong-khai/{UNIT}"):
            page = get(on_sqlite, f"{path}?ky={ky}")
            assert page.status_code == 400, (path, ky)
            assert words in page.text and "Không hiểu yêu cầu" in page.text
        data = get(on_sqlite, f"/cong-khai.json?ky={ky}")
        assert data.status_code == 400 and words in data.json()["error"]
    long_query = get(on_sqlite, f"/cong-khai?ky=2026&x={'a' * 300}")
    assert long_query.status_code == 400 and "Địa chỉ trang quá dài" in long_query.text


# --- the cache ------------------------------------------------------------------------------
def test_a_report_is_kept_five_minutes_and_the_cache_stays_small(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(public_data.time, "monotonic", lambda: clock[0])
    cache = public_data._Cache()
    made: list[int] = []

    def make() -> int:
        made.append(1)
        return len(made)

    assert cache.get(("a",), make) == 1
    clock[0] += public_data.CACHE_SECONDS - 1
    assert cache.get(("a",), make) == 1  # still kept
    clock[0] += 2
    assert cache.get(("a",), make) == 2  # five minutes on: made anew
    for n in range(public_data.CACHE_ENTRIES + 10):
        cache.get(("k", n), make)
    assert len(cache._kept) == public_data.CACHE_ENTRIES
