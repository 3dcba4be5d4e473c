"""The per-user log: one rotating file handler per process, and a marker that tells the next run about a run that
ended abnormally (killed, crashed, aborted inside a C library) - but not about one that is still running."""

from __future__ import annotations

import logging
import logging.handlers
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from calmcue import logs

BOUND_S = 60.0


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


def run_python(code: str, state_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, XDG_STATE_HOME=str(state_dir))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=BOUND_S)


def log_text(state_dir: Path) -> str:
    return (state_dir / "calmcue" / "log" / "calmcue.log").read_text(encoding="utf-8")


def markers(state_dir: Path) -> list[str]:
    return sorted(p.name for p in (state_dir / "calmcue" / "log").glob("running-*"))


@pytest.fixture
def no_handlers() -> Iterator[None]:
    root = logging.getLogger("calmcue")
    saved = root.handlers[:]
    root.handlers = [h for h in saved if not isinstance(h, logging.FileHandler)]
    yield
    for h in root.handlers:
        if h not in saved:
            h.close()
    root.handlers = saved


def test_setup_logging_opens_one_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           no_handlers: None) -> None:
    monkeypatch.setattr(logs, "log_dir", lambda: tmp_path / "log")
    opened = []
    real = logging.handlers.RotatingFileHandler

    def counting(*args: object, **kwargs: object) -> logging.Handler:
        opened.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(logging.handlers, "RotatingFileHandler", counting)
    for _ in range(3):  # e.g. the worker logging three crashes
        assert logs.setup_logging() == tmp_path / "log" / "calmcue.log"
    assert len(opened) == 1, "a file handler is opened only when there is none yet"
    assert sum(isinstance(h, logging.FileHandler) for h in logging.getLogger("calmcue").handlers) == 1


def test_a_clean_exit_leaves_no_marker(state_dir: Path) -> None:
    out = run_python("from calmcue.logs import start_run; start_run('analyze')", state_dir)
    assert out.returncode == 0, out.stderr
    assert markers(state_dir) == []
    assert "analyze started" in log_text(state_dir) and "analyze exited cleanly" in log_text(state_dir)


def test_a_killed_run_is_reported_by_the_next_one(state_dir: Path) -> None:
    killed = run_python("import os, signal; from calmcue.logs import start_run; start_run('monitor'); "
                        "os.kill(os.getpid(), signal.SIGKILL)", state_dir)
    assert killed.returncode == -9
    assert len(markers(state_dir)) == 1
    assert "previous run ended abnormally" not in log_text(state_dir)
    out = run_python("from calmcue.logs import start_run; start_run('tray')", state_dir)
    assert out.returncode == 0, out.stderr
    text = log_text(state_dir)
    assert "previous run ended abnormally: monitor" in text, text
    assert markers(state_dir) == [], "the stale marker is removed once reported"
    again = run_python("from calmcue.logs import start_run; start_run('tray')", state_dir)
    assert again.returncode == 0 and log_text(state_dir).count("ended abnormally") == 1


def test_a_run_still_going_is_not_taken_for_a_crash(state_dir: Path) -> None:
    env = dict(os.environ, XDG_STATE_HOME=str(state_dir))
    running = subprocess.Popen([sys.executable, "-c", "import sys; from calmcue.logs import start_run; "
                                "start_run('tray'); print('up', flush=True); sys.stdin.read()"],
                               env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert running.stdout is not None and running.stdout.readline().strip() == "up"
        out = run_python("from calmcue.logs import start_run; start_run('analyze')", state_dir)
        assert out.returncode == 0, out.stderr
        assert "ended abnormally" not in log_text(state_dir)
        assert markers(state_dir) == [f"running-{running.pid}"]
    finally:
        running.communicate("", timeout=BOUND_S)
    assert markers(state_dir) == []


def test_every_mode_logs_through_the_command_line(state_dir: Path, tmp_path: Path) -> None:
    import numpy as np
    import soundfile as sf

    wav = tmp_path / "quiet.wav"
    sf.write(wav, np.zeros(16000, np.float32), 16000)
    env = dict(os.environ, XDG_STATE_HOME=str(state_dir))
    out = subprocess.run([sys.executable, "-m", "calmcue", "analyze", str(wav), "--json", str(tmp_path / "o.json")],
                         env=env, capture_output=True, text=True, timeout=BOUND_S)
    assert out.returncode == 0, out.stderr
    text = log_text(state_dir)
    assert "analyze started" in text and "analyze exited cleanly" in text
