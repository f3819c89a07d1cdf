"""Benchmarks of the kiosk (not tests): `python -m benchmarks` or `scripts/bench`."""
