"""Kiosk Hài Lòng: a satisfaction kiosk for Vietnam's one-stop public-service counters."""

__version__ = "0.2.0"
