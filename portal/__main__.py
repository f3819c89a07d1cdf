"""`python -m portal`: see portal.cli."""

import os
import sys

from portal.cli import main

if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `portal stats | head` closed the pipe: not the portal's failure
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
