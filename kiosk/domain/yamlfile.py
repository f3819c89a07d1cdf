"""YAML reading that remembers line numbers, so a bad file is refused with file, line, problem.

Form files and config.yaml are both read here. Mappings come back as `YMap` (a dict that
knows the line of each key) and sequences as `YList`; every problem found is a `Problem`
whose code the locale files turn into words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml


class YMap(dict[Any, Any]):
    """A mapping read from YAML, with the 1-based line of the mapping and of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class YList(list[Any]):
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

    def describe(self, translate: Callable[..., str]) -> str:
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

    def describe(self, translate: Callable[..., str], heading: str = "cli.config_bad") -> str:
        """A heading and one line per problem: the one wording for the screen and every tool
        (`heading`: the locale key that names the file's kind, a config.yaml by default)."""
        lines = [translate(heading, count=len(self.problems))]
        return "\n".join(lines + ["  " + p.describe(translate) for p in self.problems])


# Limits that no config.yaml or form comes near (each is a few KB, a handful of levels
# deep), so that a hostile or broken file is refused before it costs memory or time.
MAX_FILE_BYTES = 1 << 20
MAX_DEPTH = 32
MAX_NUMBER_DIGITS = 30
_INT_TAG = "tag:yaml.org,2002:int"


class _Mark(Protocol):
    """Where in the text (PyYAML has two Mark classes: the pure one and libyaml's)."""

    line: int


class _Refused(Exception):
    """A file refused while it is read: the line, the key path, the problem."""

    def __init__(self, mark: _Mark | None, path: list[Any], code: str, **params: Any):
        super().__init__(code)
        self.line = mark.line + 1 if mark else 0
        self.key, self.code, self.params = _key_path(path), code, params


def _key_path(path: list[Any]) -> str:
    """`flow.idle_timeout_s`, `counters[1].name`: the keys (and list places) leading here."""
    text = ""
    for index in path:
        if isinstance(index, int):
            text += f"[{index}]"
        elif isinstance(index, yaml.ScalarNode):
            text += f".{index.value}" if text else str(index.value)
    return text


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that refuses what a settings file never needs and an attacker would use:
    aliases (the "billion laughs"), deep nesting, huge numbers, non-text keys, a key twice.
    """

    def __init__(self, stream: str):
        super().__init__(stream)
        self._path: list[Any] = []  # for each open node: its key node, or its place in a list

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if parent is not None:
            self._path.append(index)
        try:
            return self._compose_checked(parent, index)
        finally:
            if parent is not None:
                self._path.pop()

    def _compose_checked(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark, self._path, "yaml_alias", anchor=event.anchor)
        if len(self._path) > MAX_DEPTH:
            named = [i for i in self._path if isinstance(i, yaml.ScalarNode)]
            raise _Refused(event.start_mark, named, "too_deep", depth=MAX_DEPTH)
        node = super().compose_node(parent, index)
        if node is not None and node.tag == _INT_TAG and len(node.value) > MAX_NUMBER_DIGITS:
            raise _Refused(node.start_mark, self._path, "number_too_long", digits=MAX_NUMBER_DIGITS)
        return node

    # types-PyYAML types the anchor as a dict; PyYAML passes the anchor's name (str | None).
    def compose_sequence_node(self, anchor: Any) -> yaml.SequenceNode:
        # PyYAML passes a list item no index; count them here, for the key path.
        start = self.get_event()
        tag = start.tag
        if tag is None or tag == "!":
            tag = self.resolve(yaml.SequenceNode, None, start.implicit)
        node = yaml.SequenceNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        while not self.check_event(yaml.SequenceEndEvent):
            node.value.append(self.compose_node(node, len(node.value)))
        node.end_mark = self.get_event().end_mark
        return node

    def compose_mapping_node(self, anchor: Any) -> yaml.MappingNode:
        node = super().compose_mapping_node(anchor)
        seen: set[tuple[str, str]] = set()
        for key, _value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise _Refused(key.start_mark, self._path, "bad_key")
            if (key.tag, key.value) in seen:
                raise _Refused(key.start_mark, [*self._path, key], "duplicate_key")
            seen.add((key.tag, key.value))
        return node


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


def read_capped(path: Path, limit: int) -> bytes:
    """The file's bytes; refused in words when missing, unreadable or over `limit` bytes
    (never read past the limit: a huge file costs nothing)."""
    name = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise FileProblems([Problem(name, 0, "", "file_missing")]) from None
    except OSError as exc:
        error = exc.strerror or type(exc).__name__
        raise FileProblems([Problem(name, 0, "", "file_unreadable", {"error": error})]) from None
    if len(data) > limit:
        raise FileProblems([Problem(name, 0, "", "file_too_big", {"limit": f"{limit // 1024} KB"})])
    return data


def _read_text(path: Path) -> str:
    """The file as text; refused when missing, too large or not UTF-8 (with the bad line)."""
    name, data = str(path), read_capped(path, MAX_FILE_BYTES)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        row = data.split(b"\n")[line - 1].decode("utf-8", errors="replace")
        key = re.match(r"\s*(?:-\s*)?([^\s:#]+)\s*:", row)
        params = {"byte": f"0x{data[exc.start]:02x}"}
        if key is None:
            raise FileProblems([Problem(name, line, "", "file_not_utf8", params)]) from None
        raise FileProblems([Problem(name, line, key.group(1), "not_utf8", params)]) from None


def load_yaml(path: Path) -> Any:
    """Read a YAML file; raise FileProblems naming the file and line when it cannot be read."""
    name = str(path)
    text = _read_text(path)
    try:
        return yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except _Refused as exc:
        raise FileProblems([Problem(name, exc.line, exc.key, exc.code, exc.params)]) from None
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
