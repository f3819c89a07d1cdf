"""Times that people read (the IT area, the CSV export): the unit's local time, one format.

The store keeps UTC (naive datetimes, or ISO strings in the state table); staff read the
unit's wall clock (`integrity.timezone`, Asia/Ho_Chi_Minh by default) whatever zone the
tablet's clock is set to, always as "26/11/2026 14:05".
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

FORMAT = "%d/%m/%Y %H:%M"
FORMAT_SECONDS = FORMAT + ":%S"


def local_text(moment: datetime | str | None, zone: str, seconds: bool = False) -> str:
    """A stored moment as the unit's local time; "" when there is none.

    A naive datetime is UTC (as the store keeps them); a string is ISO 8601 (as the sync
    daemon writes them), UTC when it names no offset. A string that is no time is
    returned as it is, so that nothing is hidden from IT.
    """
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        text = moment
        try:
            moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo(zone)).strftime(FORMAT_SECONDS if seconds else FORMAT)
