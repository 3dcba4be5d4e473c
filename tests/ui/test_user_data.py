"""Cue history, "Delete my data", the first-run notice marker and the autostart entry."""

from __future__ import annotations

import datetime as dt
import json
import shlex
import sys
from pathlib import Path

import pytest

from calmcue.config import paths
from calmcue.detector.baseline import BaselineValues, save_baseline
from calmcue.ui import autostart
from calmcue.ui.first_run import mark_notice_shown, notice_due
from calmcue.ui.history import KEEP_DAYS, CueHistory, remove_user_data


def test_history_counts_cues_per_day_and_keeps_only_numbers(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    history = CueHistory(path)
    today = dt.date(2025, 3, 4)
    history.record(kind="raised_voice", speaker="agent", day=today)
    history.record(kind="raised_voice", speaker="agent", day=today)
    history.record(kind="talk_over", speaker="agent", day=today - dt.timedelta(days=1))
    assert CueHistory(path).count(today) == 2
    data = json.loads(path.read_text())
    assert data == {"schema": 1, "days": {"2025-03-04": {"raised_voice/agent": 2},
                                          "2025-03-03": {"talk_over/agent": 1}}}
    history.record(kind="fast_speech", speaker="agent", day=today + dt.timedelta(days=KEEP_DAYS + 2))
    assert "2025-03-04" not in json.loads(path.read_text())["days"]


def test_a_damaged_history_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text("{not json")
    history = CueHistory(path)
    assert history.count() == 0
    history.record(kind="no_pause", speaker="agent")
    assert history.count() == 1


def test_delete_my_data_removes_calibration_and_history_but_not_settings(user_dirs: dict[str, Path]) -> None:
    save_baseline(paths.baseline_file(), BaselineValues(-30.0, 5.0, -8.0, 4.0))
    history = CueHistory(paths.user_data_dir() / "history.json")
    history.record(kind="talk_over", speaker="agent")
    settings = paths.user_settings_file()
    settings.write_text('[overlay]\ncorner = "top-left"\n')
    remove_user_data(history)
    assert not paths.baseline_file().exists()
    assert not (paths.user_data_dir() / "history.json").exists() and history.count() == 0
    assert settings.exists()


def test_the_first_run_notice_is_due_once(user_dirs: dict[str, Path]) -> None:
    data = paths.user_data_dir()
    assert notice_due(data)
    mark_notice_shown(data)
    assert not notice_due(data)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG autostart is the Linux mechanism")
def test_autostart_writes_and_removes_an_xdg_entry_that_starts_calmcue(user_dirs: dict[str, Path]) -> None:
    assert autostart.supported() == (True, "")
    assert not autostart.is_enabled()
    autostart.set_enabled(True)
    entry = user_dirs["xdg_config"] / "autostart" / "calmcue.desktop"
    assert autostart.is_enabled() and entry.exists()
    lines = dict(line.split("=", 1) for line in entry.read_text().splitlines() if "=" in line)
    assert lines["Type"] == "Application" and lines["Terminal"] == "false"
    assert shlex.split(lines["Exec"]) == [sys.executable, "-m", "calmcue"]
    autostart.set_enabled(False)
    assert not entry.exists() and not autostart.is_enabled()


def _exec_unquote(arg: str) -> str:
    """The Desktop Entry spec's rule: inside double quotes, a backslash escapes " ` $ and backslash."""
    assert arg.startswith('"') and arg.endswith('"')
    out, chars = [], iter(arg[1:-1])
    for c in chars:
        out.append(next(chars) if c == "\\" else c)
    return "".join(out)


def test_desktop_entry_quoting_keeps_odd_paths_whole() -> None:
    assert autostart._quote("/usr/bin/python3") == "/usr/bin/python3"
    for odd in ("/opt/Calm Cue/bin/python", '/a "b"/$c`d`\\e'):
        assert _exec_unquote(autostart._quote(odd)) == odd
