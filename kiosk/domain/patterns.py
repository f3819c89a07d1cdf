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

try:  # Python 3.11 and later
    from re import _constants as sre
    from re import _parser as sre_parse
except ImportError:  # Python 3.10
    import sre_constants as sre  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

import re
from functools import cache

# The characters the check reasons about: Latin, Latin-1, Latin Extended and Vietnamese.
_UNIVERSE = frozenset([*range(0x250), *range(0x1E00, 0x1F00)])
_CATEGORIES = {
    sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s", sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w", sre.CATEGORY_NOT_WORD: r"\W",
}  # fmt: skip
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
_ONE_CHAR = {sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY}


def backtracks(pattern: str) -> bool:
    """Whether a valid pattern (already compiled by the caller) can backtrack
    catastrophically."""
    return _slow_in(sre_parse.parse(pattern)) is not None


def _slow_in(items) -> tuple | None:
    items = list(items)
    for index, (op, av) in enumerate(items):
        for body in _bodies(op, av):
            found = _slow_in(body)
            if found is not None:
                return found
        if op in _REPEATS and av[1] > 1 and _ambiguous(list(av[2])):
            return av  # exponential when unbounded, a high power of the length when counted
        if index and _overlapping_neighbours(items[index - 1], (op, av)):
            return av  # `\d+\d+$`: quadratic, and worse for each more
    return None


def _overlapping_neighbours(first, second) -> bool:
    """Two variable repetitions of one character each, side by side, that can both take
    the same characters (`\\w+\\d+`): where one ends and the other begins is open."""
    singles = []
    for op, av in (first, second):
        body = _unwrap(list(av[2])) if op in _REPEATS and _variable(av) else []
        singles.append(_single_char(body[0]) if len(body) == 1 else None)
    return None not in singles and bool(singles[0] & singles[1])


def _bodies(op, av) -> list:
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


def _variable(av) -> bool:
    low, high, _body = av
    return low != high


def _ambiguous(body: list) -> bool:
    """Whether one round of a repetition's body can be cut into rounds in several ways."""
    body = _unwrap(body)
    if _can_be_empty(body):
        return True
    if not (_has_variable_repeat(body) or _has_overlapping_branch(body)):
        return False
    return not (_separated(body[0], body[1:]) or _separated(body[-1], body[:-1]))


def _unwrap(body: list) -> list:
    while len(body) == 1 and body[0][0] == sre.SUBPATTERN:
        body = list(body[0][1][3])
    return body


def _separated(mark, rest: list) -> bool:
    """A single mandatory character that nothing else in the body can match."""
    chars = _single_char(mark)
    return chars is not None and not chars & _all_chars(rest)


def _single_char(item) -> frozenset[int] | None:
    op, av = item
    if op in _ONE_CHAR:
        return _chars(op, av)
    if op == sre.SUBPATTERN and len(av[3]) == 1:
        return _single_char(av[3][0])
    return None


def _has_variable_repeat(items) -> bool:
    for op, av in items:
        if op in _REPEATS and _variable(av):
            return True
        if any(_has_variable_repeat(body) for body in _bodies(op, av)):
            return True
    return False


def _has_overlapping_branch(items) -> bool:
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


def _can_be_empty(items) -> bool:
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


def _first_chars(items: list) -> frozenset[int]:
    found: set[int] = set()
    for op, av in items:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue
        found |= _all_chars([(op, av)]) if op in _ONE_CHAR else _first_of(op, av)
        if not _can_be_empty([(op, av)]):
            break
    return frozenset(found)


def _first_of(op, av) -> frozenset[int]:
    bodies = _bodies(op, av)
    if not bodies:
        return _UNIVERSE if op == sre.GROUPREF else frozenset()
    return frozenset().union(*(_first_chars(list(body)) for body in bodies))


def _all_chars(items) -> frozenset[int]:
    found: set[int] = set()
    for op, av in items:
        if op in _ONE_CHAR:
            found |= _chars(op, av)
        elif op == sre.GROUPREF:
            found |= _UNIVERSE
        for body in _bodies(op, av):
            found |= _all_chars(body)
    return frozenset(found)


def _chars(op, av) -> frozenset[int]:
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
def _category(category) -> frozenset[int]:
    pattern = _CATEGORIES.get(category)
    if pattern is None:
        return _UNIVERSE
    compiled = re.compile(pattern)
    return frozenset(c for c in _UNIVERSE if compiled.fullmatch(chr(c)))
