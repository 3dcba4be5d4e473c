"""Start with the session: an XDG autostart entry on Linux, the per-user Run key on Windows (no admin rights).

macOS is not supported yet (a LaunchAgent would be the way); `supported()` says so and the dialog greys it out.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from calmcue.errors import CalmCueError

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
VALUE_NAME = "CalmCue"


def supported() -> tuple[bool, str]:
    if sys.platform.startswith("linux") or sys.platform == "win32":
        return True, ""
    return False, "starting with the session is not supported on this platform yet"


def command_line() -> list[str]:
    """How to start the tray app again: the frozen executable, or this Python with `-m calmcue`."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    python = Path(sys.executable)
    if sys.platform == "win32" and (python.parent / "pythonw.exe").exists():
        python = python.parent / "pythonw.exe"  # no console window at log-in
    return [str(python), "-m", "calmcue"]


def desktop_file() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "autostart" / "calmcue.desktop"


def is_enabled() -> bool:
    if sys.platform == "win32":
        return _read_run_value() is not None
    if sys.platform.startswith("linux"):
        return desktop_file().exists()
    return False


def set_enabled(on: bool) -> None:
    ok, why = supported()
    if not ok:
        raise CalmCueError(why)
    try:
        if sys.platform == "win32":
            _write_run_value(on)
        else:
            _write_desktop_file(on)
    except OSError as err:
        raise CalmCueError(f"cannot change the start-up entry ({err}); check your permissions") from None


def _quote(arg: str) -> str:
    """Desktop Entry Exec quoting: arguments with reserved characters go in double quotes."""
    if not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def _write_desktop_file(on: bool) -> None:
    path = desktop_file()
    if not on:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    exec_line = " ".join(_quote(a) for a in command_line())
    text = ("[Desktop Entry]\nType=Application\nName=CalmCue\n"
            "Comment=Calm cues about how you speak on calls\n"
            f"Exec={exec_line}\nIcon=calmcue\nTerminal=false\nX-GNOME-Autostart-enabled=true\n")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _read_run_value() -> str | None:
    if sys.platform != "win32":
        return None
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            return str(winreg.QueryValueEx(key, VALUE_NAME)[0])
    except OSError:
        return None


def _write_run_value(on: bool) -> None:
    if sys.platform != "win32":
        return
    import subprocess
    import winreg

    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
        if on:
            winreg.SetValueEx(key, VALUE_NAME, 0, winreg.REG_SZ, subprocess.list2cmdline(command_line()))
        elif _read_run_value() is not None:
            winreg.DeleteValue(key, VALUE_NAME)
