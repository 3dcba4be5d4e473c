"""Global hotkeys, where the platform lets an application have them: Ctrl+Alt+Shift+C dismisses the cue,
Ctrl+Alt+Shift+X says "that cue was wrong" (and dismisses it too).

- X11: XGrabKey on the root window through a private Xlib connection (ctypes), read via a QSocketNotifier.
- Windows: RegisterHotKey, with WM_HOTKEY picked up by a native event filter.
- Wayland and macOS: not available; `reason` says so, and the cue is dismissed from the tray instead.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from dataclasses import dataclass
from typing import Any

from PyQt6.QtCore import QAbstractNativeEventFilter, QCoreApplication, QObject, QSocketNotifier, pyqtSignal
from PyQt6.QtGui import QGuiApplication

from calmcue.ui.i18n import translate

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class Key:
    text: str  # shown to the user
    x_keysym: bytes  # X11 keysym name
    win_vk: int  # Windows virtual-key code
    win_id: int  # RegisterHotKey id, one per key


DISMISS = Key("Ctrl+Alt+Shift+C", b"c", 0x43, 0xCA1)  # C for "cue"
WRONG = Key("Ctrl+Alt+Shift+X", b"x", 0x58, 0xCA2)  # X: "that cue was wrong"
KEY_TEXT = DISMISS.text


class GlobalHotkey(QObject):
    activated = pyqtSignal()

    def __init__(self, parent: QObject | None = None, *, key: Key = DISMISS) -> None:
        super().__init__(parent)
        self.key = key
        self.available = False
        self.reason = ""
        self._impl: _X11Grab | _WindowsHotkey | None = None
        platform = QGuiApplication.platformName()
        try:
            if platform == "xcb":
                self._impl = _X11Grab(self.activated.emit, key)
            elif sys.platform == "win32" and platform == "windows":
                self._impl = _WindowsHotkey(self.activated.emit, key)
            elif platform.startswith("wayland"):
                self.reason = translate("CalmCue", "Wayland does not let applications have a global hotkey")
            else:
                self.reason = translate("CalmCue", "no global hotkey on this platform (%1)").replace("%1", platform)
        except OSError as err:
            self.reason = str(err)
        self.available = self._impl is not None
        if self.reason:
            log.info("global hotkey unavailable: %s", self.reason)

    def close(self) -> None:
        if self._impl is not None:
            self._impl.close()
            self._impl = None


# --- X11 ---------------------------------------------------------------------------------------------------

_SHIFT, _LOCK, _CONTROL, _MOD1, _MOD2 = 1, 2, 4, 8, 16  # Mod2 is NumLock on almost every keyboard map
_KEY_PRESS = 2
_GRAB_MODE_ASYNC = 1
_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


class _X11Grab:
    def __init__(self, callback: Any, key: Key) -> None:
        name = ctypes.util.find_library("X11")
        if not name:
            raise OSError(translate("CalmCue", "libX11 not found, so no global hotkey"))
        x = ctypes.CDLL(name)
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XStringToKeysym.restype = ctypes.c_ulong
        x.XStringToKeysym.argtypes = [ctypes.c_char_p]
        x.XKeysymToKeycode.restype = ctypes.c_ubyte
        x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        x.XGrabKey.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int,
                               ctypes.c_int, ctypes.c_int]
        x.XUngrabKey.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_ulong]
        x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x.XPending.argtypes = [ctypes.c_void_p]
        x.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        x.XConnectionNumber.argtypes = [ctypes.c_void_p]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        x.XSetErrorHandler.restype = ctypes.c_void_p
        x.XSetErrorHandler.argtypes = [ctypes.c_void_p]
        self.x = x
        self.callback, self.key = callback, key
        self.display = x.XOpenDisplay(None)
        if not self.display:
            raise OSError(translate("CalmCue", "cannot open the X display for the global hotkey"))
        self.root = x.XDefaultRootWindow(self.display)
        self.keycode = x.XKeysymToKeycode(self.display, x.XStringToKeysym(key.x_keysym))
        self.masks = [_CONTROL | _MOD1 | _SHIFT | extra for extra in (0, _LOCK, _MOD2, _LOCK | _MOD2)]
        self._grab()
        self._event = (ctypes.c_long * 24)()  # sizeof(XEvent) on every ABI Qt supports
        self.notifier = QSocketNotifier(x.XConnectionNumber(self.display), QSocketNotifier.Type.Read)
        self.notifier.activated.connect(self._read)
        self._read()

    def _grab(self) -> None:
        failed: list[int] = []

        def on_error(_display: int | None, _event: int | None) -> int:
            failed.append(1)
            return 0

        handler = _ERROR_HANDLER(on_error)
        previous = self.x.XSetErrorHandler(handler)  # only around our own requests, then restored
        try:
            for mask in self.masks:
                self.x.XGrabKey(self.display, self.keycode, mask, self.root, 0, _GRAB_MODE_ASYNC,
                                _GRAB_MODE_ASYNC)
            self.x.XSync(self.display, 0)
        finally:
            self.x.XSetErrorHandler(previous)
        if failed:
            self.close()
            raise OSError(translate("CalmCue", "%1 is already taken by another program")
                          .replace("%1", self.key.text))

    def _read(self) -> None:
        while self.display and self.x.XPending(self.display):
            self.x.XNextEvent(self.display, self._event)
            if ctypes.c_int.from_buffer(self._event).value == _KEY_PRESS:
                self.callback()

    def close(self) -> None:
        if getattr(self, "notifier", None) is not None:
            self.notifier.setEnabled(False)
        if self.display:
            for mask in self.masks:
                self.x.XUngrabKey(self.display, self.keycode, mask, self.root)
            self.x.XCloseDisplay(self.display)
            self.display = None


# --- Windows -----------------------------------------------------------------------------------------------

_WM_HOTKEY = 0x0312
_MOD_ALT, _MOD_CONTROL, _MOD_SHIFT, _MOD_NOREPEAT = 0x1, 0x2, 0x4, 0x4000


class _WindowsHotkey(QAbstractNativeEventFilter):
    def __init__(self, callback: Any, key: Key) -> None:
        super().__init__()
        self.callback, self.key = callback, key
        self.user32 = ctypes.WinDLL("user32", use_last_error=True)  # type: ignore[attr-defined]
        mods = _MOD_ALT | _MOD_CONTROL | _MOD_SHIFT | _MOD_NOREPEAT
        if not self.user32.RegisterHotKey(None, key.win_id, mods, key.win_vk):
            raise OSError(translate("CalmCue", "%1 is already taken by another program").replace("%1", key.text))
        app = QCoreApplication.instance()
        assert app is not None
        app.installNativeEventFilter(self)

    def nativeEventFilter(self, event_type: Any, message: Any) -> Any:
        if bytes(event_type) == b"windows_generic_MSG":
            from ctypes import wintypes

            msg = wintypes.MSG.from_address(int(message))
            if msg.message == _WM_HOTKEY and msg.wParam == self.key.win_id:
                self.callback()
                return True, 0
        return False, 0

    def close(self) -> None:
        self.user32.UnregisterHotKey(None, self.key.win_id)
        app = QCoreApplication.instance()
        if app is not None:
            app.removeNativeEventFilter(self)
