"""Image files through the camera's decode path: `python -m kiosk scan-file`, demos, tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.domain.receipts import ReceiptRules, first_receipt
from kiosk.scan.decode import decode_frame
from kiosk.scan.frames import frames_of


@dataclass(frozen=True)
class FileResult:
    """What one image gave: a dossier code, a refusal, or nothing new (read before)."""

    path: Path
    code: str = ""
    problem: str = ""  # a locale key
    earlier: str = ""  # the code an earlier frame of the same receipt gave


def scan_files(paths: list[Path], rules: ReceiptRules, frames: int = 1) -> list[FileResult]:
    """Each image read as a receipt; every `frames` consecutive images are one receipt,
    seen by the camera in turn: once one of them gives a code, the rest are not decoded.
    """
    results: list[FileResult] = []
    frames = max(1, frames)
    for start in range(0, len(paths), frames):
        found = ""
        for frame in frames_of(paths[start : start + frames]):
            if found:
                results.append(FileResult(frame.path, earlier=found))
            elif frame.grey is None:
                results.append(FileResult(frame.path, problem=frame.problem))
            else:
                scan = first_receipt(decode_frame(frame.grey), rules)
                found = scan.code
                results.append(FileResult(frame.path, code=scan.code, problem=scan.problem))
    return results
