"""The report as documents (portal/reports/xlsx.py, pdf.py): each prints the report dict.

The XLSX is read back with openpyxl and every figure compared with the dict's; LibreOffice
opens and converts it. The PDF is read with poppler (pdfinfo, pdffonts, pdftotext): it
parses, embeds its fonts, and its text holds the Vietnamese headings and the dict's figures
as vi_count / vi_percent write them. Both for a quick-form report (a verdict, reasons, MĐHL
by month), a long-form report (the Đắk Song questions, indices per dimension) and a report
with no answers at all. The dicts are tests/data/report-sample-*.json, made by
scripts/make_report_samples.py with build_report over answers stored by the portal's intake
(`python -m portal report --format json` writes the same shape).
"""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from portal.reports.numbers import vi_count, vi_percent
from portal.reports.pdf import write_pdf
from portal.reports.xlsx import PERCENT_FORMAT, write_xlsx
from tests.portal_support import run

DATA = Path(__file__).parent / "data"
SAMPLES = ("quick", "long")
POPPLER = all(shutil.which(tool) for tool in ("pdfinfo", "pdffonts", "pdftotext"))
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="needs poppler-utils (pdfinfo, pdffonts, pdftotext): apt-get install"
)


def sample(name: str) -> dict:
    """A report dict as build_report made it (scripts/make_report_samples.py)."""
    return json.loads((DATA / f"report-sample-{name}.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_the_samples_are_reports_as_the_portal_makes_them_now() -> None:
    """The dicts these tests print are build_report's, in the contract's shape, adding up:
    made again from their answers, they are the kept files."""
    import importlib.util

    from portal.api.report_models import Report

    spec = importlib.util.spec_from_file_location(
        "make_report_samples", DATA.parent.parent / "scripts" / "make_report_samples.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for name, made in script.samples().items():
        Report.model_validate(made)
        assert made["checks"] == {"ok": True, "problems": []}, name
        assert made == sample(name), f"run scripts/make_report_samples.py ({name} changed)"


def empty_report() -> dict:
    """The quick form's report over a period without any answer: every count 0, every
    percentage null (no base), nothing in the groups or the comments."""
    report = sample("quick")
    report["answers"] = {
        "counted": 0,
        "flagged": 0,
        "incomplete": 0,
        "by_channel": {},
        "flagged_by": {},
    }
    report["satisfaction"] = {"satisfied": 0, "not_satisfied": 0, "base": 0, "percent": None}
    for question in report["questions"]:
        question["base"] = 0
        for choice in question["choices"]:
            choice["count"], choice["percent"] = 0, None
    for reason in report["reasons"]:
        reason.update(count=0, percent_of_dissatisfied=None, percent_of_all=None)
    for index in report["indices"]:
        index.update(percent=None, satisfied=0, answers=0)
    report["groups"] = {key: [] for key in report["groups"]}
    for target in report["targets"]:
        target.update(counted=0, percent=0.0, status="behind")
    report["comments"] = {"count": 0, "limit": 200, "items": []}
    return report


def xlsx_of(report: dict) -> openpyxl.Workbook:
    """The report written as XLSX and read back."""
    buffer = io.BytesIO()
    write_xlsx(report, buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def rows(sheet) -> list[dict]:
    """A sheet's rows under its header row, as dicts by heading (blank rows left out)."""
    values = list(sheet.iter_rows(values_only=True))
    header = values[0]
    return [dict(zip(header, row, strict=True)) for row in values[1:] if any(row)]


@pytest.mark.parametrize("name", SAMPLES)
def test_every_question_table_in_the_workbook_is_the_dicts(name: str) -> None:
    report = sample(name)
    book = xlsx_of(report)
    listed = rows(book["Câu hỏi"])
    expected = [
        (q["id"], q["base"], c["number"], c["label"], c["count"], c["percent"])
        for q in report["questions"]
        for c in q["choices"]
    ]
    assert [
        (
            r["Mã câu"],
            r["Số phiếu trả lời câu này"],
            r["STT"],
            r["Lựa chọn"],
            r["Số phiếu"],
            r["Tỷ lệ (%)"],
        )
        for r in listed
    ] == expected
    for row in book["Câu hỏi"].iter_rows(min_row=2):
        count, share = row[8], row[9]
        assert isinstance(count.value, int)
        assert share.number_format == PERCENT_FORMAT


@pytest.mark.parametrize("name", SAMPLES)
def test_the_workbooks_indices_groups_targets_and_overview_are_the_dicts(name: str) -> None:
    report = sample(name)
    book = xlsx_of(report)
    indices = [r for r in rows(book["Chỉ số"]) if r["Mã khía cạnh"] != "Cách tính"]
    assert [
        (r["Mã khía cạnh"], r["Chỉ số hài lòng (%)"], r["Số câu trả lời hợp lệ"]) for r in indices
    ] == [(i["dimension"], i["percent"], i["answers"]) for i in report["indices"]]
    formula = [r for r in rows(book["Chỉ số"]) if r["Mã khía cạnh"] == "Cách tính"]
    assert formula[0]["Khía cạnh"] == report["index_formula"]
    months = rows(book["Theo tháng"])
    assert [(r["Tháng"], r["Số phiếu được tính"], r["Bị loại"]) for r in months] == [
        (m["key"], m["counted"], m["flagged"]) for m in report["groups"]["month"]
    ]
    if report["form"]["has_verdict"]:
        assert [r["Tỷ lệ hài lòng (%)"] for r in months] == [
            m["percent"] for m in report["groups"]["month"]
        ]
    targets = rows(book["Chỉ tiêu"])
    assert [(t["Số phiếu cần đạt"], t["Số phiếu đã có"], t["Tỷ lệ đạt (%)"]) for t in targets] == [
        (t["target"], t["counted"], t["percent"]) for t in report["targets"]
    ]
    overview = {r["Mục"]: r["Giá trị"] for r in rows(book["Tổng quan"])}
    assert overview["Số phiếu được tính"] == report["answers"]["counted"]
    assert overview["Số phiếu bị loại (không tính)"] == report["answers"]["flagged"]
    assert overview["Kiểm tra số liệu"] == "Số liệu khớp"
    flagged = {r["Dấu hiệu"]: r["Số phiếu"] for r in rows(book["Bị loại"]) if r["Dấu hiệu"]}
    assert flagged == report["answers"]["flagged_by"]


def test_the_quick_forms_reasons_and_satisfaction_in_the_workbook() -> None:
    report = sample("quick")
    book = xlsx_of(report)
    reasons = rows(book["Lý do"])
    assert [
        (
            r["STT"],
            r["Số phiếu"],
            r["Tỷ lệ trên số chưa hài lòng (%)"],
            r["Tỷ lệ trên tổng số phiếu (%)"],
        )
        for r in reasons
    ] == [
        (r["number"], r["count"], r["percent_of_dissatisfied"], r["percent_of_all"])
        for r in report["reasons"]
    ]
    overview = {r["Mục"]: r["Giá trị"] for r in rows(book["Tổng quan"])}
    assert overview["Tỷ lệ hài lòng – MĐHL (%)"] == report["satisfaction"]["percent"]
    assert "Lý do" not in xlsx_of(sample("long")).sheetnames  # no verdict, no reasons


def test_sheet_names_are_valid_and_headers_frozen() -> None:
    for report in (sample("quick"), sample("long"), empty_report()):
        book = xlsx_of(report)
        for sheet in book.worksheets:
            assert len(sheet.title) <= 31 and not set(sheet.title) & set("[]:*?/\\")
            assert sheet.freeze_panes == "A2"
            assert all(sheet.column_dimensions[c].width for c in ("A", "B"))


def test_an_empty_report_leaves_percentages_empty_in_the_workbook() -> None:
    book = xlsx_of(empty_report())
    assert {r["Tỷ lệ (%)"] for r in rows(book["Câu hỏi"])} == {None}
    assert {r["Số phiếu"] for r in rows(book["Câu hỏi"])} == {0}


def test_flagged_answers_get_their_own_column_in_the_workbook() -> None:
    report = sample("quick")
    report["filters"]["include_flagged"] = True
    for question in report["questions"]:
        for number, choice in enumerate(question["choices"]):
            choice["flagged"] = number
    listed = rows(xlsx_of(report)["Câu hỏi"])
    assert [r["Bị loại"] for r in listed] == [
        c["flagged"] for q in report["questions"] for c in q["choices"]
    ]


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="needs LibreOffice: apt-get install libreoffice-calc-nogui",
)
def test_a_comment_that_looks_like_a_formula_stays_text() -> None:
    """A citizen's (or an attacker's) "=HYPERLINK(…)" never becomes a live formula."""
    import zipfile

    report = sample("quick")
    report["comments"]["items"][0]["text"] = '=HYPERLINK("http://evil.example","x")'
    buffer = io.BytesIO()
    write_xlsx(report, buffer)
    sheets = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    parts = [sheets.read(n).decode() for n in sheets.namelist() if n.startswith("xl/worksheets")]
    assert not any("<f>" in part for part in parts)
    found = [
        cell
        for sheet in xlsx_of(report).worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value == report["comments"]["items"][0]["text"]
    ]
    assert [cell.data_type for cell in found] == ["s"]


def test_libreoffice_converts_the_workbook(tmp_path: Path) -> None:
    for name in SAMPLES:
        workbook = tmp_path / f"report-{name}.xlsx"
        with workbook.open("wb") as out:
            write_xlsx(sample(name), out)
    done = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            *(str(tmp_path / f"report-{name}.xlsx") for name in SAMPLES),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for name in SAMPLES:
        converted = tmp_path / "pdf" / f"report-{name}.pdf"
        assert converted.stat().st_size > 1000, done.stdout + done.stderr
        if POPPLER:
            text = pdf_text(converted)
            assert "Số phiếu được tính" in text and "Số liệu khớp" in text
            assert all(unit in text for unit in sample(name)["filters"]["unit_names"].values())


def pdf_of(report: dict, path: Path) -> Path:
    """The report written as PDF to path."""
    with path.open("wb") as out:
        write_pdf(report, out)
    return path


def pdf_text(path: Path) -> str:
    """The PDF's text, each run of white space one space (tables and wrapped lines)."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())


def embedded_fonts(path: Path) -> list[tuple[str, str]]:
    """(name, emb) of each font pdffonts lists."""
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [(line.split()[0], re.split(r"\s+", line)[-5]) for line in lines]


@needs_poppler
@pytest.mark.parametrize("name", SAMPLES)
def test_the_pdf_parses_embeds_its_fonts_and_prints_the_dicts_figures(
    name: str, tmp_path: Path
) -> None:
    report = sample(name)
    path = pdf_of(report, tmp_path / "report.pdf")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert int(re.search(r"Pages:\s+(\d+)", info.stdout)[1]) >= 2
    fonts = embedded_fonts(path)
    assert {f.split("+")[-1] for f, _ in fonts} == {"DejaVuSans", "DejaVuSans-Bold"}
    assert {emb for _, emb in fonts} == {"yes"}
    text = pdf_text(path)
    for heading in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO",
        "THÔNG TIN CHUNG",
        "KẾT QUẢ KHẢO SÁT",
        "Chỉ số hài lòng",
        "Số liệu khớp",
        "THỦ TRƯỞNG ĐƠN VỊ",
        "ngày 26 tháng 11 năm 2026",
    ):
        assert heading in text
    for unit in report["filters"]["unit_names"].values():
        assert unit in text
    for question in report["questions"]:
        assert question["text"] in text
        for choice in question["choices"]:
            assert f"{vi_count(choice['count'])} {vi_percent(choice['percent'])}" in text
    for index in report["indices"]:
        assert f"{index['name']} " in text and vi_percent(index["percent"]) in text
    assert report["index_formula"] in text
    for target in report["targets"]:
        assert vi_percent(target["percent"]) in text


@needs_poppler
def test_the_quick_forms_pdf_has_the_mdhl_the_reasons_and_their_charts(tmp_path: Path) -> None:
    report = sample("quick")
    text = pdf_text(pdf_of(report, tmp_path / "quick.pdf"))
    satisfaction = report["satisfaction"]
    assert (
        f"Hài lòng: {vi_count(satisfaction['satisfied'])}/{vi_count(satisfaction['base'])}"
        f" phiếu, mức độ hài lòng (MĐHL) đạt {vi_percent(satisfaction['percent'])}"
    ) in text
    for reason in report["reasons"]:
        assert (
            f"{vi_count(reason['count'])} {vi_percent(reason['percent_of_dissatisfied'])} "
            f"{vi_percent(reason['percent_of_all'])}"
        ) in text
    assert "Biểu đồ: MĐHL theo tháng" in text
    assert "Biểu đồ: tỷ lệ từng lý do trên số phiếu chưa hài lòng" in text
    for month in report["groups"]["month"]:
        assert month["label"] in text


@needs_poppler
def test_a_report_without_answers_says_so(tmp_path: Path) -> None:
    path = pdf_of(empty_report(), tmp_path / "empty.pdf")
    text = pdf_text(path)
    assert "Chưa có phiếu nào được tính trong kỳ báo cáo" in text
    assert "Số liệu khớp" in text and "THỦ TRƯỞNG ĐƠN VỊ" in text
    assert {emb for _, emb in embedded_fonts(path)} == {"yes"}


@needs_poppler
def test_a_report_that_does_not_add_up_lists_its_problems(tmp_path: Path) -> None:
    report = sample("long")
    problems = ["Câu 9.1: các lựa chọn cộng lại 110 phiếu, khác số phiếu trả lời câu này (100)"]
    report["checks"] = {"ok": False, "problems": problems}
    text = pdf_text(pdf_of(report, tmp_path / "problems.pdf"))
    assert "Số liệu chưa khớp" in text and problems[0] in text
    assert "Số liệu khớp" not in text


@needs_poppler
def test_flagged_answers_are_a_column_of_their_own_in_the_pdf(tmp_path: Path) -> None:
    report = copy.deepcopy(sample("quick"))
    report["filters"]["include_flagged"] = True
    report["satisfaction"]["flagged"] = {"satisfied": 5, "not_satisfied": 2}
    for question in report["questions"]:
        for choice in question["choices"]:
            choice["flagged"] = 3
    text = pdf_text(pdf_of(report, tmp_path / "flagged.pdf"))
    assert "Lựa chọn Số phiếu Tỷ lệ Bị loại" in text
    assert "Phiếu bị loại (không tính): 5 hài lòng, 2 chưa hài lòng" in text
    choice = report["questions"][0]["choices"][0]
    assert f"{vi_count(choice['count'])} {vi_percent(choice['percent'])} 3" in text


@needs_poppler
@pytest.mark.slow
def test_the_real_report_of_an_empty_portal_prints_through_the_cli(tmp_path: Path) -> None:
    """`portal report` over a portal without answers: its own dict (not a sample) as JSON,
    XLSX and PDF; the PDF says there is no answer yet."""
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    assert run("-m", "portal", "--db", url, "init-db").returncode == 0
    base = ["-m", "portal", "--db", url, "report", "--period", "2026", "--today", "2026-11-26"]
    made = run(*base, "--format", "json")
    assert made.returncode == 0, made.stderr
    report = json.loads(made.stdout)
    assert report["answers"]["counted"] == 0
    for fmt in ("xlsx", "pdf"):
        written = run(*base, "--format", fmt, "--out", str(tmp_path / f"report.{fmt}"))
        assert written.returncode == 0, written.stderr
    book = openpyxl.load_workbook(tmp_path / "report.xlsx")
    overview = {r["Mục"]: r["Giá trị"] for r in rows(book["Tổng quan"])}
    assert overview["Số phiếu được tính"] == 0
    text = pdf_text(tmp_path / "report.pdf")
    assert "Chưa có phiếu nào được tính trong kỳ báo cáo" in text
    assert "BÁO CÁO" in text and "Số liệu khớp" in text
    assert pdf_text(pdf_of(report, tmp_path / "direct.pdf")) == text
