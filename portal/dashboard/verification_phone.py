"""Opening a sampled answer's sealed phone for a re-verification call.

A tablet (kiosk/store/personal.py) and the web survey (portal/web/storing.py seal_phone)
seal {"phone": …} (and perhaps "citizen_id") as compact JSON in libsodium's sealed box to
the portal's X25519 public key; the box travels and is stored base64 in the answer's
`personal_sealed`. The private key is a file of its own (`portal keys --private-out`,
portal/devices.py new_keypair), named by portal.yaml's `dashboard.private_key`.

The phone is returned to be shown on a page and goes nowhere else: not to the database,
not to a log, not into an exception's message.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox


class PhoneError(Exception):
    """Why a phone cannot be opened, in Vietnamese (never the phone itself)."""


NO_KEY = (
    "Cổng chưa được cấu hình khóa riêng để mở số điện thoại niêm phong. Người quản trị cổng "
    "cần ghi đường dẫn tệp khóa riêng vào mục dashboard.private_key của tệp portal.yaml "
    "rồi khởi động lại cổng."
)


def open_phone(key_file: Path | None, sealed: str) -> str:
    """The phone number in a sealed box (base64); PhoneError saying why not."""
    box = SealedBox(_private_key(key_file))
    try:
        plain = box.decrypt(base64.b64decode(sealed, validate=True))
        values = json.loads(plain.decode())
    except (CryptoError, binascii.Error, ValueError):
        raise PhoneError(
            "Không mở được số điện thoại của phiếu này: hộp niêm phong không khớp với khóa "
            "riêng của cổng (khóa riêng có thể không đúng với khóa công khai đã gửi cho "
            "máy tính bảng)."
        ) from None
    phone = values.get("phone") if isinstance(values, dict) else None
    if not isinstance(phone, str) or not phone.strip():
        raise PhoneError("Phiếu này không có số điện thoại (chỉ có thông tin khác).")
    return phone.strip()


def _private_key(key_file: Path | None) -> PrivateKey:
    if key_file is None:
        raise PhoneError(NO_KEY)
    try:
        text = key_file.read_text(encoding="ascii").strip()
        return PrivateKey(base64.b64decode(text, validate=True))
    except OSError as exc:
        raise PhoneError(
            f"Không đọc được tệp khóa riêng {key_file} ({exc.strerror}). Người quản trị cổng "
            "cần kiểm tra đường dẫn và quyền đọc tệp."
        ) from None
    except (binascii.Error, ValueError, TypeError):
        raise PhoneError(
            f"Tệp {key_file} không phải khóa riêng của cổng (cần đúng tệp do lệnh "
            "`portal keys --private-out` tạo ra)."
        ) from None
