"""`python -m portal`: see portal.cli."""

import sys

from portal.cli import main

if __name__ == "__main__":
    sys.exit(main())
