"""The house's rules on imports, read from the source (every module's AST, nothing run):
the contract imports nothing but the standard library, and the portal nothing of the
kiosk's store, UI or enrolment, nor of the sync daemon."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator

from tests.conftest import ROOT

# What the portal may not import: the kiosk's store and screens, its side of the enrolment,
# the daemon. It shares with them only the contract (and the kiosk's pure domain).
PORTAL_FORBIDDEN = ("kiosk.store", "kiosk.ui", "kiosk.enrolment", "sync")


def imported(source: str, package: str) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in a module of `package`, at its top or inside a
    function; for `from a import b` both a and a.b (b may be a module)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, or one above it…
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = ".".join(part for part in (parent, base) if part)
            if base:
                yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}" if base else alias.name


def imports_under(top: str) -> Iterator[tuple[str, str]]:
    """("file:line", module) of every import in every module under ROOT/top."""
    paths = sorted((ROOT / top).rglob("*.py"))
    assert paths, f"no modules in {top}/"
    for path in paths:
        relative = path.relative_to(ROOT)
        package = ".".join(relative.parts[:-1])
        for line, name in imported(path.read_text(encoding="utf-8"), package):
            yield f"{relative}:{line}", name


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_the_contract_imports_only_the_standard_library_and_itself():
    stdlib = sys.stdlib_module_names | {"__future__"}
    wrong = [
        f"{where}: {name}"
        for where, name in imports_under("contract")
        if not within(name, "contract") and name.split(".")[0] not in stdlib
    ]
    assert wrong == []


def test_the_portal_imports_nothing_of_the_kiosks_store_ui_enrolment_or_of_sync():
    wrong = [
        f"{where}: {name}"
        for where, name in imports_under("portal")
        if any(within(name, forbidden) for forbidden in PORTAL_FORBIDDEN)
    ]
    assert wrong == []


def test_the_check_sees_every_way_of_importing():
    source = (
        "import sync.client\n"
        "def later():\n"
        "    from kiosk import store\n"
        "from .store import models\n"
        "from .. import kiosk\n"
    )
    names = {name for _, name in imported(source, "portal.api")}
    assert {"sync.client", "kiosk.store", "portal.api.store.models", "portal.kiosk"} <= names
    assert "kiosk" in {name for _, name in imported("from .. import kiosk\n", "portal")}


def test_the_screens_go_through_the_core():
    """ui → core → store: no screen opens the store, claims an enrolment or calls HTTP."""
    forbidden = ("kiosk.store", "kiosk.enrolment", "requests", "urllib3", "sqlalchemy")
    wrong = [
        f"{where}: {name}"
        for where, name in imports_under("kiosk/ui")
        if any(within(name, f) for f in forbidden)
    ]
    assert wrong == []


def test_the_domain_imports_no_other_layer():
    outer = ("kiosk", "sync", "portal", "kivy", "sqlalchemy", "requests")
    wrong = [
        f"{where}: {name}"
        for where, name in imports_under("kiosk/domain")
        if any(within(name, o) for o in outer) and not within(name, "kiosk.domain")
    ]
    assert wrong == []


def test_nothing_imports_an_entry_point_or_the_ui_from_below():
    """The CLIs are entry points; the UI is imported by nothing but itself and kiosk/app.py."""
    wrong = []
    for top in ("kiosk", "sync", "portal", "contract"):
        for where, name in imports_under(top):
            entry = within(name, "kiosk.cli") or within(name, "sync.cli")
            entry_points = ("kiosk/__main__.py", "sync/__main__.py", "sync/android_service.py")
            if entry and not where.startswith(entry_points):
                wrong.append(f"{where}: {name}")
            ui = within(name, "kiosk.ui")
            if ui and not where.startswith(("kiosk/ui/", "kiosk/app.py")):
                wrong.append(f"{where}: {name}")
    assert wrong == []
