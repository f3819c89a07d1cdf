"""The reference portal: receives kiosks' answers over the contract (portal/openapi.json,
and the contract package the kiosk shares).

Its rooms: api/ (routes per resource), intake and devices (the write side), reports/
(computations over queries), web/ (pages, to come), store/ (tables, engine, reads); cli.py
parses, calls and prints; local.py sets up the local demo portal.
"""

__version__ = "0.2.0"
