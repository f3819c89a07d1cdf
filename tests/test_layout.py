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
