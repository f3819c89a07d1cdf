"""The Kivy user interface: one screen per step, .kv beside each screen's Python.

Only this package (and kiosk/app.py, for Kivy's settings before the window opens) imports
Kivy. It adapts the citizen's visit (`kiosk.visit.Visit`) and the core's staff and IT
operations (`kiosk.core.KioskCore`) to a window: screens draw and call.
"""
