"""The Kivy user interface: one screen per step, .kv beside each screen's Python.

This package is the only place that imports Kivy; it adapts `kiosk.core.KioskCore`.
"""
