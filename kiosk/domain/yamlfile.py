"""YAML reading that remembers line numbers, so a bad file is refused with file, line, problem.

Form files and config.yaml are both read here. Mappings come back as `YMap` (a dict that
knows the line of each key) and sequences as `YList`; every problem found is a `Problem`
whose code the locale files turn into words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class YMap(dict):
    """A mapping read from YAML, with the 1-based line of the mapping and of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class YList(list):
    """A sequence read from YAML, with the 1-based line where it starts."""

    line: int = 0


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file: where (file, line, key path) and what (code, params)."""

    file: str
    line: int
    key: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def describe(self, translate) -> str:
        """The problem in words, with `translate(key, **params)` from the locale files."""
        params = dict(self.params)
        if "expected" in params:
            params["expected"] = translate(f"type.{params['expected']}")
        what = translate(f"problem.{self.code}", key=self.key, **params)
        return translate("problem.where", file=self.file, line=self.line, what=what)


class FileProblems(Exception):
    """A file that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.file}:{p.line}: {p.key}: {p.code}" for p in problems))
        self.problems = problems


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> YMap:
    result = YMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> YList:
    result = YList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path) -> Any:
    """Read a YAML file; raise FileProblems naming the file and line when it cannot be read."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileProblems([Problem(name, 0, "", "file_missing")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileProblems([Problem(name, 0, "", "file_unreadable", {"error": str(exc)})]) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        reason = getattr(exc, "problem", None) or str(exc)
        raise FileProblems([Problem(name, line, "", "yaml_syntax", {"error": reason})]) from None


class Checker:
    """Collects the problems of one file while its values are read with their expected types."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, where: YMap | YList | None, key: str, code: str, **params: Any) -> None:
        leaf = key.rsplit(".", 1)[-1]
        line = where.line_of(leaf) if isinstance(where, YMap) else getattr(where, "line", 0)
        self.problems.append(Problem(self.file, line, key, code, params))

    def get(
        self,
        mapping: YMap,
        key: str,
        kind: type,
        path: str = "",
        required: bool = True,
        default: Any = None,
    ) -> Any:
        """mapping[key] if it is of `kind`; otherwise note a problem and return `default`."""
        full = f"{path}.{key}" if path else key
        if key not in mapping or mapping[key] is None:
            if required:
                self.problem(mapping, full, "missing")
            return default
        value = mapping[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            ok, value = True, float(value)
        if not ok:
            self.problem(mapping, full, "wrong_type", expected=kind.__name__)
            return default
        return value

    def unknown_keys(self, mapping: YMap, allowed: set[str], path: str = "") -> None:
        for key in mapping:
            if str(key) not in allowed:
                full = f"{path}.{key}" if path else str(key)
                self.problem(mapping, full, "unknown_key", allowed=", ".join(sorted(allowed)))

    def raise_if_any(self) -> None:
        if self.problems:
            raise FileProblems(self.problems)
