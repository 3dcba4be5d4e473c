"""Marking cues "not helpful": kept as counts in the local cue history, undoable, demo cues never counted."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from calmcue.ui.feedback import KEEP, RecentCues, ShownCue
from calmcue.ui.history import CueHistory

AT = dt.datetime(2025, 3, 4, 14, 5)


def _cue(kind: str = "raised_voice", *, counted: bool = True) -> ShownCue:
    return ShownCue(at=AT, kind=kind, speaker="agent", message="Lower your voice - stay calm", counted=counted)


def test_a_mark_is_counted_in_the_history_and_can_be_taken_back(qtbot: QtBot, tmp_path: Path) -> None:
    history = CueHistory(tmp_path / "history.json")
    recent = RecentCues()
    recent.history = history
    recent.add(_cue("talk_over"))
    recent.add(_cue("raised_voice"))
    with qtbot.waitSignal(recent.changed) as changed:
        marked = recent.mark_latest()
    assert marked is not None and marked.kind == "raised_voice" and marked.not_helpful
    assert changed.args[0][0].not_helpful and not changed.args[0][1].not_helpful
    assert history.not_helpful(AT.date()) == 1
    assert recent.mark_latest() is None, "already marked: the hotkey does not count it twice"
    saved = json.loads((tmp_path / "history.json").read_text())
    assert saved["not_helpful"] == {"2025-03-04": {"raised_voice/agent": 1}}, "numbers only"
    recent.toggle(0)
    assert history.not_helpful(AT.date()) == 0 and not recent.cues[0].not_helpful
    assert "not_helpful" not in json.loads((tmp_path / "history.json").read_text())


def test_demo_cues_are_listed_but_never_counted(tmp_path: Path) -> None:
    history = CueHistory(tmp_path / "history.json")
    recent = RecentCues()
    recent.history = history
    recent.add(_cue(counted=False))
    assert recent.mark_latest() is not None
    assert history.not_helpful(AT.date()) == 0


def test_only_the_last_few_cues_are_kept(tmp_path: Path) -> None:
    recent = RecentCues()
    for i in range(KEEP + 3):
        recent.add(ShownCue(at=AT, kind="fast_speech", speaker="agent", message=f"cue {i}", counted=False))
    assert [c.message for c in recent.cues] == [f"cue {i}" for i in range(KEEP + 2, 2, -1)]
    assert recent.toggle(KEEP) is None
