"""Which columns of a published table hold what: headings as clerks write them.

A heading is matched in any case, with or without Vietnamese marks, ignoring "(%)", a
trailing "%" or ":" and extra spaces: "Tỷ lệ (%)", "TY LE", "tỷ  lệ %" are all the
percent column. Each column's names are in order of preference: when a sheet has two
headings for one column (the report's own "Câu hỏi" sheet has "Mã câu" = Q9.1 and "Câu" =
"Câu 9.1", empty for an unnumbered question), the earlier name is read and the other left
alone; the same name twice ("count", "Count") is an error. Only the question column may
be missing: a clerk's one table pasted alone ("Nội dung, Số lượng, Tỷ lệ (%), Tổng số
phiếu") is read as one table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from portal.imports.layout import column_letter
from portal.reports import wording

REQUIRED = ("question", "choice", "count", "percent", "base")
# Each column's names, preferred first. The report's XLSX "Câu hỏi" sheet (xlsx.py) names
# its columns "Mã câu", "Lựa chọn", "Số phiếu", "Tỷ lệ (%)", "Số phiếu trả lời câu này" and
# "Loại" (Một lựa chọn / Nhiều lựa chọn / Thang mức độ): read as they are.
ALIASES = {
    "question": ("question", "mã câu", "câu", "câu hỏi", "câu số"),
    "choice": ("choice", "lựa chọn", "phương án", "phương án trả lời", "nội dung"),
    "count": ("count", "số phiếu", "số lượng", "số người"),
    "percent": ("percent", "tỷ lệ", "tỉ lệ", "phần trăm", "%"),
    "base": (
        "base",
        "cơ sở",
        "số phiếu trả lời câu này",
        "tổng số phiếu",
        "tổng số",
        "số người trả lời",
    ),
    "multiple": ("multiple", "nhiều lựa chọn", "loại"),
}
MEANING = {
    "question": "câu hỏi",
    "choice": "lựa chọn",
    "count": "số phiếu",
    "percent": "tỷ lệ",
    "base": "cơ sở: số phiếu trả lời câu",
    "multiple": "câu nhiều lựa chọn: yes/no",
}
_TYPES = wording.QUESTION_TYPES
YES_WORDS = ("yes", "y", "có", "x", "1", "true", _TYPES["multi_choice"])
NO_WORDS = ("no", "n", "không", "", "0", "false", _TYPES["single_choice"], _TYPES["scale"])
_PERCENT_SIGN = re.compile(r"\s*(?:\(\s*%\s*\)|%)$")


def plain(text: str) -> str:
    """A heading or word as compared: lower case, no marks, single spaces ("Tỷ lệ (%)" →
    "ty le")."""
    lowered = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    bare = "".join(c for c in lowered if not unicodedata.combining(c)).replace("_", " ")
    bare = re.sub(r"\s+", " ", bare).strip().rstrip(":.").strip()
    return _PERCENT_SIGN.sub("", bare) if bare != "%" else bare


YES, NO = {plain(w) for w in YES_WORDS}, {plain(w) for w in NO_WORDS}
_KNOWN = {
    plain(alias): (column, rank)
    for column, names in ALIASES.items()
    for rank, alias in enumerate(names)
}


@dataclass
class Columns:
    """Where each column is (0-based), and what is wrong with the heading row."""

    at: dict[str, int] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return not self.missing


def find_columns(header: list[str]) -> Columns:
    """The columns a heading row names, by the names above."""
    found = Columns()
    ranks: dict[str, int] = {}
    for index, heading in enumerate(header):
        column, rank = _KNOWN.get(plain(heading), ("", 0))
        if not column:
            continue  # a clerk's notes, the report's own wording: not ours to read
        if column not in ranks or rank < ranks[column]:
            found.at[column], ranks[column] = index, rank
        elif rank == ranks[column]:
            where = f"dòng 1, cột {column_letter(index)} ({heading})"
            first = column_letter(found.at[column])
            found.duplicates.append(f"{where}: cột {column} đã có ở cột {first}")
    # Without a question column the whole sheet is one table (check_table says so).
    found.missing = [c for c in REQUIRED if c not in found.at and c != "question"]
    return found


def heading_problems(header: list[str], found: Columns) -> list[str]:
    """What is wrong with a heading row, each missing column with the names it may have and
    the headings the row does have."""
    problems = list(found.duplicates)
    problems += [f"dòng 1: thiếu cột {column} ({MEANING[column]})" for column in found.missing]
    if found.missing:
        problems.append(f"dòng 1 có các tiêu đề: {listed(header)}")
        problems += accepted(found.missing)
    return problems


def listed(header: list[str]) -> str:
    return ", ".join(f"“{h}”" for h in header if h.strip()) or "(không có tiêu đề nào)"


def accepted(columns: list[str]) -> list[str]:
    """The names each column may have (any case, with or without marks, "(%)" or not)."""
    return [f"  cột {column} có thể mang tên: {', '.join(ALIASES[column])}" for column in columns]
