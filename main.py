"""Android's entry point (buildozer.spec: entrypoint = main.py): the kiosk, as
`python -m kiosk run` starts it on Linux."""

import sys

from kiosk.cli import main

if __name__ == "__main__":
    sys.exit(main(["run"]))
