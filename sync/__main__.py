"""`python -m sync`: see sync.cli. Also the entry point of the Android service."""

import sys

from sync.cli import main

if __name__ == "__main__":
    sys.exit(main())
