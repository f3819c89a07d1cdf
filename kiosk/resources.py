"""Where the shipped files are, whether run from a checkout or from a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

# PyInstaller unpacks data under sys._MEIPASS; a checkout keeps them beside the package.
ROOT = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
ASSETS = ROOT / "assets"
DEFAULT_CONFIG = ROOT / "config.yaml"
MIGRATIONS = Path(__file__).resolve().parent / "store" / "migrations"
