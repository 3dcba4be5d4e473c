"""'Not helpful' marks nudge a cue kind's threshold: 2 marks of the last 5 cues of a kind take one step, at most 3
steps, one click undoes it, a threshold IT enforces is never nudged, numbers only on this computer, nothing sent;
and in the running app the nudged threshold reaches the engine's detector."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from calmcue.config import paths
from calmcue.config.paths import demo_file
from calmcue.ui.feedback import RecentCues, ShownCue
from calmcue.ui.history import CueHistory
from calmcue.ui.nudge import MAX_STEPS, STEPS, Nudges, nudge_text
from calmcue.ui.qt_app import App, Options
from calmcue.ui.tray_menu import TrayMenu
from needs import missing

AT = dt.datetime(2025, 3, 4, 14, 5)
ENGINE_MS = 30_000
RAISED = ("raised_voice", "agent")


def _cue(kind: str = "raised_voice", speaker: str = "agent", *, counted: bool = True) -> ShownCue:
    return ShownCue(at=AT, kind=kind, speaker=speaker, message="Lower your voice - stay calm", counted=counted)


@pytest.fixture
def recent(tmp_path: Path) -> RecentCues:
    cues = RecentCues()
    cues.history = CueHistory(tmp_path / "mine" / "history.json")
    cues.nudges = Nudges(tmp_path / "mine" / "nudges.json")
    return cues


def _show_and_mark(recent: RecentCues, marks: int, shown: int, kind: str = "raised_voice") -> None:
    """Shows `shown` cues of `kind` and marks the first `marks` of them (newest first) not helpful."""
    for _ in range(shown):
        recent.add(_cue(kind))
    for index in range(marks):
        recent.toggle(index)


def test_two_marks_in_the_last_five_cues_of_a_kind_nudge_it_once(qtbot: QtBot, recent: RecentCues) -> None:
    nudges = recent.nudges
    assert nudges is not None
    _show_and_mark(recent, marks=1, shown=5)
    assert nudges.offsets().raised_voice_agent_db == 0.0, "one mark is not a pattern"
    with qtbot.waitSignal(nudges.nudged) as nudged:
        recent.toggle(1)
    assert nudged.args[0].steps == 1 and nudged.args[0].amount == STEPS[RAISED] == 1.5  # type: ignore[index]
    assert nudges.offsets().raised_voice_agent_db == 1.5
    assert nudges.offsets().talk_over_s == 0.0, "other kinds are left alone"
    recent.toggle(2)
    assert nudges.offsets().raised_voice_agent_db == 1.5, "marks before a step do not count again"


def test_marks_of_cues_shown_long_ago_or_taken_back_do_not_count(recent: RecentCues) -> None:
    nudges = recent.nudges
    assert nudges is not None
    _show_and_mark(recent, marks=1, shown=1)
    _show_and_mark(recent, marks=1, shown=5)  # the first mark is now the 6th cue back: out of the window
    assert nudges.offsets().raised_voice_agent_db == 0.0
    recent.toggle(1)  # a second mark in the window ...
    assert nudges.offsets().raised_voice_agent_db == 1.5
    fresh = RecentCues()
    fresh.nudges = other = Nudges(nudges.path.with_name("other.json"))
    _show_and_mark(fresh, marks=1, shown=3)
    fresh.toggle(0)  # ... taken back
    fresh.toggle(1)
    assert other.offsets().raised_voice_agent_db == 0.0


def test_the_nudge_is_capped_and_undone_with_one_click(qtbot: QtBot, recent: RecentCues) -> None:
    nudges = recent.nudges
    assert nudges is not None
    for _ in range(MAX_STEPS + 2):
        _show_and_mark(recent, marks=2, shown=2)
    assert nudges.offsets().raised_voice_agent_db == MAX_STEPS * 1.5 == 4.5, "capped"
    assert [n.steps for n in nudges.active()] == [MAX_STEPS]
    menu = TrayMenu(list_devices=lambda: ([], []))
    nudges.listed.connect(menu.show_nudges)
    nudges.announce()
    undo = [a for a in menu.recent_menu.actions() if a.text().endswith(" - Undo")]
    assert [a.text() for a in undo] == [
        "CalmCue now waits for a little more before 'Lower your voice - stay calm' - Undo"]
    assert undo[0].toolTip() == "+4.5 dB (at most +4.5 dB)"
    menu.undo_nudge.connect(nudges.undo)
    with qtbot.waitSignal(nudges.changed) as changed:
        undo[0].trigger()
    assert not changed.args[0].any and nudges.offsets().raised_voice_agent_db == 0.0
    assert not [a for a in menu.recent_menu.actions() if a.text().endswith(" - Undo")]
    assert json.loads(nudges.path.read_text())["kinds"] == {}
    _show_and_mark(recent, marks=2, shown=2)
    assert nudges.offsets().raised_voice_agent_db == 1.5, "after an undo the rule applies afresh"


def test_each_kind_takes_its_own_step(recent: RecentCues) -> None:
    nudges = recent.nudges
    assert nudges is not None
    for kind in ("talk_over", "fast_speech", "no_pause"):
        _show_and_mark(recent, marks=2, shown=2, kind=kind)
    offsets = nudges.offsets()
    assert (offsets.talk_over_s, offsets.fast_speech_ratio, offsets.no_pause_s) == (0.2, 0.05, 15.0)
    assert offsets.raised_voice_agent_db == 0.0
    texts = [nudge_text(n) for n in nudges.active()]
    assert "CalmCue now waits for a little more before 'Slow down'" in texts


def test_a_threshold_it_enforces_is_never_nudged(tmp_path: Path) -> None:
    locked = {"detector.raised_voice.raise_index_enter_db"}
    recent = RecentCues()
    recent.nudges = nudges = Nudges(tmp_path / "nudges.json", locked=lambda key: key in locked)
    _show_and_mark(recent, marks=2, shown=2)
    _show_and_mark(recent, marks=2, shown=2, kind="fast_speech")
    offsets = nudges.offsets()
    assert offsets.raised_voice_agent_db == 0.0 and offsets.fast_speech_ratio == 0.05


def test_demo_cues_never_nudge(recent: RecentCues) -> None:
    for _ in range(4):
        recent.add(_cue(counted=False))
    for index in range(4):
        recent.toggle(index)
    assert recent.nudges is not None and not recent.nudges.offsets().any


def test_kept_as_numbers_on_this_computer_and_read_back(recent: RecentCues, tmp_path: Path) -> None:
    _show_and_mark(recent, marks=2, shown=3)
    _show_and_mark(recent, marks=1, shown=1, kind="talk_over")
    assert recent.nudges is not None
    saved = json.loads(recent.nudges.path.read_text())
    assert saved == {"schema": 1, "kinds": {"raised_voice/agent": {"steps": 1, "recent": []},
                                            "talk_over/agent": {"steps": 0, "recent": [1]}}}
    again = Nudges(recent.nudges.path)
    assert again.offsets() == recent.nudges.offsets()
    recent.nudges.delete()
    assert not recent.nudges.path.exists() and not recent.nudges.offsets().any


def test_a_damaged_file_starts_with_no_nudges(tmp_path: Path) -> None:
    path = tmp_path / "nudges.json"
    path.write_text('{"schema": 1, "kinds": {"raised_voice/agent": {"steps": "many"}}}')
    assert not Nudges(path).offsets().any


def test_nothing_is_sent_anywhere(recent: RecentCues, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> None:
        attempts.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "sendto", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for _ in range(MAX_STEPS):
        _show_and_mark(recent, marks=2, shown=2)
    assert recent.nudges is not None and recent.nudges.offsets().raised_voice_agent_db == 4.5
    assert attempts == []
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["history.json", "nudges.json"], "local files"


# --- the running app: a nudge reaches the engine's detector --------------------------------------------------


@pytest.fixture
def app(make_app: Callable[[Options], App]) -> App:
    demo = demo_file()
    if demo is None:
        missing("build/demo/demo_call.wav is missing: run 'make demo'", what="demo call")
    return make_app(Options(demo=demo, first_run=False))


def _detector_threshold(app: App) -> float | None:
    worker = app.link.worker
    pipeline = worker._pipeline if worker is not None else None  # what the engine runs with
    return pipeline.detector.agent.thresholds.index_enter_db if pipeline is not None else None


def test_a_nudge_reaches_the_detector_and_an_undo_takes_it_back(qtbot: QtBot, app: App) -> None:
    qtbot.waitUntil(lambda: _detector_threshold(app) == 12.0, timeout=ENGINE_MS)
    with qtbot.waitSignal(app.nudges.nudged, timeout=ENGINE_MS):
        for _ in range(2):  # the agent's own cue, then "The last cue was not helpful" (as the hotkey does)
            app.recent.add(_cue())
            next(a for a in app.menu.recent_menu.actions() if a.text().startswith("The last cue")).trigger()
    qtbot.waitUntil(lambda: _detector_threshold(app) == 13.5, timeout=ENGINE_MS)
    assert app.tray.window is not None
    qtbot.waitUntil(lambda: "CalmCue now waits for a little more before 'Lower your voice - stay calm'. To undo"
                    in app.tray.window.note.text(), timeout=ENGINE_MS)  # the last word, after "Marked ..."
    assert json.loads((paths.user_data_dir() / "nudges.json").read_text())["kinds"]["raised_voice/agent"]["steps"] == 1
    undo = next(a for a in app.menu.recent_menu.actions() if a.text().endswith(" - Undo"))
    undo.trigger()
    qtbot.waitUntil(lambda: _detector_threshold(app) == 12.0, timeout=ENGINE_MS)
    _show_and_mark(app.recent, marks=2, shown=2)
    app.link.switch_demo(app.demo.plan_for(demo_file(), speed=1.0))  # a new worker starts with the offsets sent again
    qtbot.waitUntil(lambda: _detector_threshold(app) == 13.5, timeout=ENGINE_MS)


def test_an_unwritable_folder_keeps_the_nudge_for_the_session_and_says_so_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    recent = RecentCues()
    recent.nudges = nudges = Nudges(blocker / "nudges.json")
    with caplog.at_level("WARNING", logger="calmcue.ui.nudge"):
        _show_and_mark(recent, marks=2, shown=4)
    assert nudges.offsets().raised_voice_agent_db == 1.5
    assert len([r for r in caplog.records if "nudges not saved" in r.getMessage()]) == 1
