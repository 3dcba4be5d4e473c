"""The demo call in the tray app: what to play (the recording, where to start, the demo voice's saved baseline),
the time left in the tray's status, and the notice at the end, which stays until the agent closes it.

With the plan that scripts/make_demo.py writes beside the demo call, the demo skips its calm opening (which is
only there for learning) and starts from the demo agent's saved baseline, so the first cue comes within
seconds. That baseline is the demo voice's, used for the demo only: the agent's own calibration file is never
read or written while the demo plays, and the microphone's worker starts again with it afterwards.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtWidgets import QMessageBox

from calmcue.errors import CalmCueError
from calmcue.ui import trace
from calmcue.ui.i18n import translate
from calmcue.ui.single_instance import Reply

if TYPE_CHECKING:
    from calmcue.detector.baseline import BaselineValues
    from calmcue.engine.mailbox import Meter
    from calmcue.ui.app_state import AppState
    from calmcue.ui.engine_link import EngineLink

log = logging.getLogger(__name__)

NOTICE_TEXT_PX = 300
PLAN_SUFFIX = ".baseline.json"  # scripts/make_demo.py writes a demo recording's plan next to it
PLAN_LENGTH_TOLERANCE_S = 0.05  # a plan whose recording length differs belongs to another recording


@dataclass(frozen=True)
class DemoPlan:
    path: Path
    speed: float = 1.0  # 1 = real time
    start_s: float = 0.0  # where playing starts in the recording
    length_s: float = 0.0  # the whole recording
    baseline: BaselineValues | None = None  # the demo agent's saved baseline (None: learned as it plays)

    @property
    def play_s(self) -> float:
        """How long the demo plays, in seconds of wall-clock time."""
        return max(0.0, self.length_s - self.start_s) / self.speed


def load_plan(path: Path, *, speed: float = 1.0) -> DemoPlan:
    """`path` with its saved plan when one lies beside it and fits it; else the whole recording, learned."""
    from calmcue.audio.files import probe
    from calmcue.detector.baseline import load_baseline

    info = probe(path)
    length_s = info.frames / info.rate_hz
    whole = DemoPlan(path=path, speed=speed, length_s=length_s)
    plan_path = path.with_name(path.stem + PLAN_SUFFIX)
    if not plan_path.exists():
        return whole
    try:
        values = json.loads(plan_path.read_text(encoding="utf-8"))
        start_s, planned_s = float(values["start_s"]), float(values["length_s"])
        baseline = load_baseline(plan_path)
    except (OSError, ValueError, KeyError, TypeError, CalmCueError) as err:
        log.warning("demo plan %s not used: %s", plan_path, err)
        return whole
    if abs(planned_s - length_s) > PLAN_LENGTH_TOLERANCE_S or not 0.0 <= start_s < length_s:
        log.warning("demo plan %s not used: made for another recording (%.2f s, this one %.2f s)", plan_path,
                    planned_s, length_s)
        return whole
    return DemoPlan(path=path, speed=speed, start_s=start_s, length_s=length_s, baseline=baseline)


def clock(seconds: float) -> str:
    """1:30 for 90 s (rounded up: 0:01 until the very end)."""
    whole = max(0, math.ceil(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


class DemoPlayer(QObject):
    """Starts and stops the demo on the engine link, and follows it: the time left (into AppState) and the
    end notice."""

    notice_closed = pyqtSignal()
    problem = pyqtSignal(str, str)  # title, text: the demo cannot play

    def __init__(self, *, state: AppState, link: EngineLink | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.link = state, link
        self.plan: DemoPlan | None = None  # what plays now
        self.notice: QMessageBox | None = None  # kept here, or Qt would delete it when the slot returns
        self._left_s: int | None = None
        if link is not None:  # connected before AppState is, so the status says the time left at once
            link.demo_changed.connect(lambda playing: self.started(link.demo) if playing and link.demo
                                      else self.stopped())
            link.meter.connect(self.on_meter)

    def plan_for(self, path: Path | None, *, speed: float) -> DemoPlan | None:
        """The plan for `path`, or None (and a `problem`) when there is no demo to play."""
        if path is None:
            self.problem.emit(translate("CalmCue", "No demo call"),
                              translate("CalmCue", "The demo recording is missing; build it with 'make demo'."))
            return None
        try:
            return load_plan(path, speed=speed)
        except CalmCueError as err:
            self.problem.emit(translate("CalmCue", "No demo call"), str(err))
            return None

    def play(self, path: Path | None, *, speed: float) -> DemoPlan | None:
        plan = self.plan_for(path, speed=speed)
        if plan is not None and self.link is not None:
            trace.event("action", name="demo")
            self.link.switch_demo(plan)
        return plan

    def stop(self) -> None:
        if self.link is not None:
            trace.event("action", name="stop_demo")
            self.link.switch_demo(None)

    def answer(self, path: Path | None, *, speed: float, corner: str) -> Reply:
        """A later `calmcue demo` asked this app to play the demo (ui/single_instance.py)."""
        plan = self.play(path, speed=speed)
        if plan is None:
            return Reply(ok=False, text="the demo recording is missing; reinstall CalmCue or run 'make demo'")
        return Reply(ok=True, length_s=round(plan.play_s, 1),
                     text=f"The running CalmCue is playing the demo call - watch the screen's {corner} corner")

    def started(self, plan: DemoPlan) -> None:
        """The engine plays `plan` now."""
        self.close_notice()
        self.plan = plan
        self._show_left(plan.play_s)
        trace.event("demo_started", path=str(plan.path), start_s=plan.start_s, play_s=round(plan.play_s, 2),
                    saved_baseline=plan.baseline is not None)

    def stopped(self) -> None:
        """The engine went back to the microphone (or stopped)."""
        self.plan, self._left_s = None, None
        self.state.set_demo_left(None)

    def on_meter(self, meter: Meter) -> None:
        if self.plan is not None:
            self._show_left(self.plan.play_s - meter.t_s / self.plan.speed)

    def show_end_notice(self, *, after: str) -> QMessageBox:
        """A small window that stays until closed (a balloon would vanish in seconds); it takes no focus."""
        self.close_notice()
        box = QMessageBox(QMessageBox.Icon.Information, translate("CalmCue", "Demo call ended"),
                          translate("CalmCue", "That was the demo call."), QMessageBox.StandardButton.Ok)
        box.setInformativeText(after)
        box.setStyleSheet(f"QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel {{ min-width: "
                          f"{NOTICE_TEXT_PX}px; }}")  # room for the title and the text, not for the icon
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        box.finished.connect(self._notice_finished)
        self.notice = box
        box.show()
        trace.event("demo_notice", title=box.windowTitle(), text=after)
        return box

    def close_notice(self) -> None:
        if self.notice is not None:
            box, self.notice = self.notice, None
            box.finished.disconnect(self._notice_finished)
            box.close()
            box.deleteLater()

    def _notice_finished(self) -> None:
        box, self.notice = self.notice, None
        trace.event("demo_notice_closed")
        if box is not None:
            box.deleteLater()
        self.notice_closed.emit()

    def _show_left(self, seconds: float) -> None:
        left = max(0, math.ceil(seconds))
        if left != self._left_s:
            self._left_s = left
            self.state.set_demo_left(left)
