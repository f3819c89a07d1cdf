"""What a scanned code says: the dossier code of a receipt of this office, or why not.

One parser for every way a code reaches the kiosk: the camera, a USB barcode scanner
typing into the identification step, `python -m kiosk scan-file`. Accepted:

- a bare dossier code matching the unit's pattern (config `identification.
  dossier_code_pattern`; the shipped one is the national portal's style
  <agency code>-<yymmdd>-<serial>, e.g. 000.00.12.H17-251023-0001);
- labelled text as printed on the receipt ("Mã hồ sơ: ..."): the receipt form of
  Circular 01/2018/TT-VPCP names the code that way, and some offices print the label into
  the code too;
- a URL of one of the deployment's hosts (config `qr.receipt_hosts`; by default the
  national portal dichvucong.gov.vn and Đà Nẵng's dichvucong.danang.gov.vn, whose lookup
  pages take the code in the query) carrying the code in a query parameter (names in
  `qr.receipt_params`) or as the last part of its path.

No public document specifies what the national or the city booking systems put in their
QR codes beyond that; a deployment that meets another format adds its host and parameter
name to config.yaml rather than code here.

Anything else is refused with a reason, never an exception: the citizen can still type.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from kiosk.domain.validators import DEFAULT_DOSSIER_PATTERN, check_dossier_code

MAX_PAYLOAD = 512  # a receipt's code is ~30 characters; a URL with it well under this
DEFAULT_HOSTS = ("dichvucong.gov.vn", "dichvucong.danang.gov.vn")
DEFAULT_PARAMS = ("ma_ho_so", "mahoso", "ma-ho-so", "mahs", "code", "hoso", "dossier")
_LABEL = re.compile(r"m[ãa]\s*h[ồo]\s*s[ơo]\s*[:：]\s*(\S+)", re.IGNORECASE)

# Why a code was refused (keys of assets/locale/*.yaml).
TOO_LONG = "scan.too_long"
BINARY = "scan.binary"
UNKNOWN_HOST = "scan.unknown_host"
NO_CODE = "scan.no_code"
NOT_OURS = "scan.not_ours"
NONE_SEEN = "scan.none_seen"


@dataclass(frozen=True)
class ReceiptRules:
    """What a receipt of this office looks like."""

    pattern: str = DEFAULT_DOSSIER_PATTERN
    hosts: tuple[str, ...] = DEFAULT_HOSTS
    params: tuple[str, ...] = DEFAULT_PARAMS


@dataclass(frozen=True)
class ReceiptScan:
    """A scanned payload read as a receipt: the dossier code, or the reason it is not one."""

    code: str = ""
    problem: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.code)


def read_receipt(payload: bytes | str, rules: ReceiptRules) -> ReceiptScan:
    """The dossier code a scanned payload carries, or why it is not a receipt of ours."""
    if len(payload) > MAX_PAYLOAD:
        return ReceiptScan(problem=TOO_LONG)
    text = _as_text(payload)
    if text is None:
        return ReceiptScan(problem=BINARY)
    text = text.strip()
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        return _from_url(text, rules)
    label = _LABEL.search(text)
    candidates = [label.group(1)] if label else [text]
    return _first_code(candidates, rules)


def _as_text(payload: bytes | str) -> str | None:
    if isinstance(payload, bytes):
        try:
            payload = payload.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if any(
        unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") and c not in "\r\n\t" for c in payload
    ):
        return None
    return unicodedata.normalize("NFC", payload)


def _from_url(text: str, rules: ReceiptRules) -> ReceiptScan:
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:
        return ReceiptScan(problem=UNKNOWN_HOST)
    if parts.scheme.lower() not in ("http", "https") or not _known_host(host, rules.hosts):
        return ReceiptScan(problem=UNKNOWN_HOST)
    wanted = {p.lower() for p in rules.params}
    values = [v for k, v in parse_qsl(parts.query + "&" + parts.fragment) if k.lower() in wanted]
    last_segment = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    scan = _first_code([*values, last_segment], rules)
    if not scan.ok and not values:
        return ReceiptScan(problem=NO_CODE)
    return scan


def _known_host(host: str, hosts: tuple[str, ...]) -> bool:
    return any(host == h.lower() or host.endswith("." + h.lower()) for h in hosts)


def _first_code(candidates: list[str], rules: ReceiptRules) -> ReceiptScan:
    for candidate in candidates:
        check = check_dossier_code(candidate, rules.pattern, final=True)
        if check.ok:
            return ReceiptScan(code=check.normalized)
    return ReceiptScan(problem=NOT_OURS)


def first_receipt(payloads: list[bytes], rules: ReceiptRules) -> ReceiptScan:
    """Of the codes seen in one frame, the first that is a receipt (else the first refusal)."""
    scans = [read_receipt(payload, rules) for payload in payloads]
    return next((s for s in scans if s.ok), scans[0] if scans else ReceiptScan(problem=NONE_SEEN))
