"""Helpers for the tests on the real X server (Xvfb + openbox + xcompmgr + trayer from scripts/with_services.sh):
app processes whose JSON-lines events are read on threads, xdotool, screenshots kept in test-artifacts/."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PyQt6.QtGui import QImage

from ui.ui_support import QT_MESSAGE_PATTERN, unexpected_stderr

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
BOUND_S = 30.0  # generous bound for any window-system event
ENGINE_BOUND_S = 60.0
T = TypeVar("T")


def wait_for(check: Callable[[], T | None], what: str, timeout_s: float = BOUND_S) -> T:
    """Polls `check` until it returns something truthy; fails after `timeout_s` saying what was awaited."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.05)


def xdotool(*args: str, check: bool = True) -> str:
    return subprocess.run(["xdotool", *args], check=check, capture_output=True, text=True, timeout=BOUND_S).stdout


def active_window() -> str:
    """The window the window manager calls active ("" while there is none)."""
    return xdotool("getactivewindow", check=False).strip()


def screenshot(name: str) -> QImage:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    subprocess.run(["import", "-window", "root", str(path)], check=True, timeout=BOUND_S)
    image = QImage(str(path))
    assert not image.isNull(), f"screenshot {path} unreadable"
    return image


def app_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("QT_SCALE_FACTOR", None)
    env.update(QT_QPA_PLATFORM="xcb", QT_MESSAGE_PATTERN=QT_MESSAGE_PATTERN, PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


class Driven:
    """An app process whose JSON-lines events (stdout or a trace file) are read on a thread."""

    def __init__(self, args: list[str], *, env: dict[str, str], trace: Path | None = None) -> None:
        self.trace = trace
        self.ready: dict[str, Any] = {}
        self.proc = subprocess.Popen(args, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=REPO)
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.stderr = ""
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        if trace is not None:
            threading.Thread(target=self._read_trace, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if self.trace is None and line.startswith("{"):
                self.events.put(json.loads(line))

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr += line

    def _read_trace(self) -> None:
        assert self.trace is not None
        offset = 0
        while self.proc.poll() is None or offset < (self.trace.stat().st_size if self.trace.exists() else 0):
            if self.trace.exists():
                with open(self.trace, encoding="utf-8") as f:
                    f.seek(offset)
                    for line in f:
                        if line.endswith("\n"):
                            self.events.put(json.loads(line))
                            offset += len(line.encode())
                        else:
                            break
            time.sleep(0.02)

    def wait(self, event: str, timeout_s: float = BOUND_S, **match: Any) -> dict[str, Any]:
        for record in self.seen:
            if record["event"] == event and all(record.get(k) == v for k, v in match.items()):
                self.seen.remove(record)
                return record
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self.proc.poll() is not None and self.events.empty()):
                pytest.fail(f"no '{event}' {match or ''} within {timeout_s:.0f} s; process "
                            f"{'ended ' + str(self.proc.returncode) if self.proc.poll() is not None else 'alive'}"
                            f"; stderr:\n{self.stderr[-3000:]}")
            try:
                record = self.events.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if record["event"] == event and all(record.get(k) == v for k, v in match.items()):
                return record
            self.seen.append(record)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=BOUND_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def qt_problems(self) -> list[str]:
        return unexpected_stderr(self.stderr)

