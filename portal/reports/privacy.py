"""What a published report must not print even when a citizen wrote it: a phone or ID
number typed into a comment ("gọi lại cho tôi số 0912 345 678"). The sealed fields never
reach a report; this is for the free text that does."""

from __future__ import annotations

import re

# A phone or ID number a citizen wrote into a comment ("gọi lại số 0912 345 678"): eight
# digits or more, with up to three spaces, dots, dashes, slashes, underscores or brackets
# between them, as people group one ("(0905) 123-456", "0905/123/456", "0905 - 123 - 456").
# Reports are published; these are not. A date written in full ("12/10/2026") is hidden
# too: less said, nothing leaked.
_NUMBER = re.compile(r"\d(?:[ \t.\-/_()]{0,3}\d){7,}")


def masked_numbers(text: str) -> str:
    """The text with every long number hidden but its last two digits."""
    return _NUMBER.sub(lambda found: _hide(found.group()), text)


def _hide(number: str) -> str:
    digits = [char for char in number if char.isdigit()]
    return "•" * (len(digits) - 2) + "".join(digits[-2:])
