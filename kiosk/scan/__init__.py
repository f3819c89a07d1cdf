"""Reading QR codes from camera frames: decoding with pyzbar, frame sources, the worker.

No Kivy here: the identification screen and `python -m kiosk scan-file` share this path.
"""
