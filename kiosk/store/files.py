"""Durable file operations shared by the store's writers (exports, the day keys)."""

from __future__ import annotations

import os
from pathlib import Path


def sync_folder(folder: Path) -> None:
    """Make a rename, a creation or a deletion in `folder` durable: a crash right after
    must not undo it."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
