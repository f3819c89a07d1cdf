"""Regular expressions a unit writes in config.yaml, checked for catastrophic backtracking.

Python's `re` backtracks. A repetition of something that can itself match in more than one
way, such as `(a+)+$`, takes exponential time on a near miss: `"a" * 30 + "!"` keeps a
tablet busy for minutes. The check here is static (no pattern is run to find out): a
variable repetition whose body holds another variable repetition or overlapping
alternatives is refused, unless each round of it is marked off by a character that
nothing else in the body can match; so are two variable repetitions side by side that can
take the same characters (`\\d+\\d+`). `(\\.[0-9A-Z]+)*`, the shipped dossier pattern's
group, is safe: every round starts with the one dot.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

# typeshed types re's parser only under its pre-3.11 names, which warn when imported on 3.11+.
if TYPE_CHECKING or sys.version_info < (3, 11):
    import sre_constants as sre
    import sre_parse
else:
    from re import _constants as sre
    from re import _parser as sre_parse

# One parsed item, (opcode, argument): the argument's shape depends on the opcode, which
# typeshed can only give as a union that every branch here would have to narrow again.
_Item = tuple[int, Any]

# The characters the check reasons about: Latin, Latin-1, Latin Extended and Vietnamese.
_UNIVERSE = frozenset([*range(0x250), *range(0x1E00, 0x1F00)])
_CATEGORIES: dict[int, str] = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
_ONE_CHAR = {sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY}


def backtracks(pattern: str) -> bool:
    """Whether a valid pattern (already compiled by the caller) can backtrack
    catastrophically."""
    return _slow_in(sre_parse.parse(pattern).data)


def _slow_in(items: Iterable[_Item]) -> bool:
    """Whether a repetition among these items, or inside them, can backtrack catastrophically."""
    items = list(items)
    for index, (op, av) in enumerate(items):
        if any(_slow_in(body) for body in _bodies(op, av)):
            return True
        if op in _REPEATS and av[1] > 1 and _ambiguous(list(av[2])):
            return True  # exponential when unbounded, a high power of the length when counted
        if index and _overlapping_neighbours(items[index - 1], (op, av)):
            return True  # `\d+\d+$`: quadratic, and worse for each more
    return False


def _overlapping_neighbours(first: _Item, second: _Item) -> bool:
    """Two variable repetitions of one character each, side by side, that can both take
    the same characters (`\\w+\\d+`): where one ends and the other begins is open."""
    singles: list[frozenset[int] | None] = []
    for op, av in (first, second):
        body = _unwrap(list(av[2])) if op in _REPEATS and _variable(av) else []
        singles.append(_single_char(body[0]) if len(body) == 1 else None)
    one, other = singles
    return one is not None and other is not None and bool(one & other)


def _bodies(op: int, av: Any) -> list[Any]:
    """The sub-patterns inside one item."""
    if op in _REPEATS:
        return [av[2]]
    if op == sre.SUBPATTERN:
        return [av[3]]
    if op == sre.BRANCH:
        return list(av[1])
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return [av[1]]
    if op == getattr(sre, "ATOMIC_GROUP", None):
        return [av]
    return []


def _variable(av: Any) -> bool:
    low, high, _body = av
    return bool(low != high)


def _ambiguous(body: list[_Item]) -> bool:
    """Whether one round of a repetition's body can be cut into rounds in several ways."""
    body = _unwrap(body)
    if _can_be_empty(body):
        return True
    if not (_has_variable_repeat(body) or _has_overlapping_branch(body)):
        return False
    return not (_separated(body[0], body[1:]) or _separated(body[-1], body[:-1]))


def _unwrap(body: list[_Item]) -> list[_Item]:
    while len(body) == 1 and body[0][0] == sre.SUBPATTERN:
        body = list(body[0][1][3])
    return body


def _separated(mark: _Item, rest: list[_Item]) -> bool:
    """A single mandatory character that nothing else in the body can match."""
    chars = _single_char(mark)
    return chars is not None and not chars & _all_chars(rest)


def _single_char(item: _Item) -> frozenset[int] | None:
    op, av = item
    if op in _ONE_CHAR:
        return _chars(op, av)
    if op == sre.SUBPATTERN and len(av[3]) == 1:
        return _single_char(av[3][0])
    return None


def _has_variable_repeat(items: Iterable[_Item]) -> bool:
    for op, av in items:
        if op in _REPEATS and _variable(av):
            return True
        if any(_has_variable_repeat(body) for body in _bodies(op, av)):
            return True
    return False


def _has_overlapping_branch(items: Iterable[_Item]) -> bool:
    for op, av in items:
        if op == sre.BRANCH:
            seen: set[int] = set()
            for branch in av[1]:
                first = _first_chars(list(branch))
                if seen & first:
                    return True
                seen |= first
        if any(_has_overlapping_branch(body) for body in _bodies(op, av)):
            return True
    return False


def _can_be_empty(items: Iterable[_Item]) -> bool:
    for op, av in items:
        if op in _ONE_CHAR or op == sre.GROUPREF:
            return False
        if op in _REPEATS and av[0] > 0 and not _can_be_empty(av[2]):
            return False
        if op == sre.SUBPATTERN and not _can_be_empty(av[3]):
            return False
        if op == sre.BRANCH and not any(_can_be_empty(b) for b in av[1]):
            return False
    return True


def _first_chars(items: list[_Item]) -> frozenset[int]:
    found: set[int] = set()
    for op, av in items:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue
        found |= _all_chars([(op, av)]) if op in _ONE_CHAR else _first_of(op, av)
        if not _can_be_empty([(op, av)]):
            break
    return frozenset(found)


def _first_of(op: int, av: Any) -> frozenset[int]:
    bodies = _bodies(op, av)
    if not bodies:
        return _UNIVERSE if op == sre.GROUPREF else frozenset()
    return frozenset().union(*(_first_chars(list(body)) for body in bodies))


def _all_chars(items: Iterable[_Item]) -> frozenset[int]:
    found: set[int] = set()
    for op, av in items:
        if op in _ONE_CHAR:
            found |= _chars(op, av)
        elif op == sre.GROUPREF:
            found |= _UNIVERSE
        for body in _bodies(op, av):
            found |= _all_chars(body)
    return frozenset(found)


def _chars(op: int, av: Any) -> frozenset[int]:
    if op == sre.LITERAL:
        return frozenset([av])
    if op == sre.NOT_LITERAL:
        return _UNIVERSE - {av}
    if op == sre.ANY:
        return _UNIVERSE
    chars: set[int] = set()
    negate = False
    for kind, value in av:
        if kind == sre.NEGATE:
            negate = True
        elif kind == sre.LITERAL:
            chars.add(value)
        elif kind == sre.RANGE:
            chars.update(range(value[0], value[1] + 1))
        elif kind == sre.CATEGORY:
            chars.update(_category(value))
        else:  # anything this check does not model counts as matching everything
            chars.update(_UNIVERSE)
    return frozenset(_UNIVERSE - chars if negate else chars)


@cache
def _category(category: int) -> frozenset[int]:
    pattern = _CATEGORIES.get(category)
    if pattern is None:
        return _UNIVERSE
    compiled = re.compile(pattern)
    return frozenset(c for c in _UNIVERSE if compiled.fullmatch(chr(c)))
