"""PyInstaller runtime hook: pyzbar finds the libzbar copied into the bundle.

pyzbar asks ctypes.util.find_library("zbar"), which reads the system's library cache
(ldconfig) and so never looks inside the bundle; a tablet without Debian's libzbar0
would have no scanning. This runs before any of the app's imports.
"""

import ctypes.util
import os
import sys

_system_find_library = ctypes.util.find_library


def _find_library(name):
    if name == "zbar":
        bundled = os.path.join(getattr(sys, "_MEIPASS", ""), "libzbar.so.0")
        if os.path.exists(bundled):
            return bundled
    return _system_find_library(name)


ctypes.util.find_library = _find_library
