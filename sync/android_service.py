"""The sync daemon as an Android foreground service (buildozer.spec `services`).

The same loop as `python -m sync` on Linux, on the kiosk app's data directory; the kiosk
starts this service when it starts (kiosk/ui/android.py). Sticky: Android restarts it.
"""

import sys

from sync.cli import main

if __name__ == "__main__":
    sys.exit(main([]))
