"""Logging: one rotating log file per user, events and numbers only, never audio samples.

Every mode (tray, demo, monitor, analyze, ...) calls `start_run(mode)` once: it sets up the file (about 1 MB, the
last three kept), notes the start, and leaves a marker file for as long as the process runs. A clean exit removes
the marker; a marker whose process is gone (killed, crashed, aborted inside a C library) is what the next run
reports as "previous run ended abnormally". Each process has its own marker, so a tray app and a monitor running
side by side do not mistake each other for a crash.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import logging.handlers
import os
import platform
import sys
import time
import traceback
from pathlib import Path

from calmcue.config.paths import log_dir

LOG_BYTES = 1_000_000  # one file's size before it rotates
LOG_BACKUPS = 3  # rotated files kept (calmcue.log.1 .. .3)
MARKER_PREFIX = "running-"
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"

log = logging.getLogger("calmcue")


def log_file() -> Path:
    return log_dir() / "calmcue.log"


def setup_logging(level: int = logging.INFO) -> Path:
    """Adds the rotating file handler to the "calmcue" logger, once per process; returns the file's path."""
    path = log_file()
    root = logging.getLogger("calmcue")
    root.setLevel(level)
    if any(isinstance(h, logging.FileHandler) for h in root.handlers):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    return path


def has_file() -> bool:
    """True once this process logs to the file."""
    return any(isinstance(h, logging.FileHandler) for h in logging.getLogger("calmcue").handlers)


def _os_name() -> str:
    """The OS and its version without `platform.platform()`, which asks WMI on Windows: slow at every start, and
    unimplemented under Wine (the test build crashes in propsys.dll)."""
    if sys.platform == "win32":
        v = sys.getwindowsversion()
        return f"Windows {v.major}.{v.minor}.{v.build}"
    return f"{sys.platform} {os.uname().release}" if hasattr(os, "uname") else sys.platform


def start_run(mode: str) -> Path | None:
    """Sets up the log for this process, reports runs that ended abnormally, and leaves this run's marker
    (removed at a clean exit). Returns the log file, or None when it cannot be written (no reason not to run)."""
    try:
        path = setup_logging()
    except OSError as err:
        print(f"calmcue: warning: no log file ({err.strerror}); running without one", file=sys.stderr)
        logging.getLogger("calmcue").addHandler(logging.NullHandler())  # not Python's last resort: stderr
        return None
    from calmcue import __version__

    log.info("calmcue %s %s started (Python %s, %s)", __version__, mode, platform.python_version(), _os_name())
    _report_abnormal_ends()
    marker = log_dir() / f"{MARKER_PREFIX}{os.getpid()}"
    try:
        marker.write_text(f"{mode} {time.strftime('%Y-%m-%d %H:%M:%S')}\n", encoding="utf-8")
    except OSError as err:
        log.warning("cannot leave the run marker %s: %s", marker, err)
        return path
    atexit.register(_clean_exit, marker, mode)
    return path


def _report_abnormal_ends() -> None:
    for marker in sorted(log_dir().glob(f"{MARKER_PREFIX}*")):
        pid_text = marker.name[len(MARKER_PREFIX):]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        try:
            what = marker.read_text(encoding="utf-8").strip()
            marker.unlink()
        except OSError:
            continue
        log.warning("previous run ended abnormally: %s (pid %s, started %s); no clean exit was logged",
                    what.split(" ", 1)[0] or "?", pid_text, what.split(" ", 1)[-1] if " " in what else "?")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a marker with our own id is from an earlier process that had it
    if sys.platform == "win32":
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _alive_windows(pid: int) -> bool:
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    code = ctypes.c_ulong()
    kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
    kernel32.CloseHandle(handle)
    return code.value == 259  # STILL_ACTIVE


def _clean_exit(marker: Path, mode: str) -> None:
    log.info("calmcue %s exited cleanly", mode)
    with contextlib.suppress(OSError):
        marker.unlink()


def log_exception(err: BaseException) -> Path:
    """Writes a traceback to the log file (not the terminal) and returns where it went."""
    try:
        path = setup_logging()
        logging.getLogger("calmcue").error("unexpected error\n%s", "".join(traceback.format_exception(err)))
        return path
    except OSError:
        return Path("(log unavailable)")
