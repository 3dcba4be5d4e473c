"""Cues marked "not helpful" nudge that cue kind's threshold for this agent, a little, within a cap, undoably.

The rule, small enough to say in one sentence to the agent: when 2 of the last 5 cues of one kind were marked not
helpful, CalmCue waits for a little more before that cue (one step); at most 3 steps; "Undo" in the tray menu
goes back to the settings' value at once. Marks before a step do not count again: each further step needs 2 new
marks among the cues shown at the new threshold, so it takes at least 6 marks to reach the cap.

Why these numbers:
- 2 of 5, not 1: one mark may be a slip of the hotkey or one odd call; 2 of the last 5 of one kind (40 %) is a
  pattern for this agent. More than 2 would leave a kind that is wrong every other time untouched for long,
  because cooldowns (20-120 s) and caps per hour keep the cues of one kind far apart.
- The step: 1.5 dB on the raised-voice index, for the agent's and the caller's voice alike - a little above the
  1 dB just-noticeable difference in level, so one step is a real change but a small one (an eighth of the 12 dB
  enter index at "normal"). The other kinds get a step of similar weight in their own unit, rounded to a figure
  the agent can be told: talk-over needs 0.2 s more overlap (on 0.6 s), fast speech 0.05 more of the usual pace
  (1.3x -> 1.35x), no pause 15 s more talk (on 45 s). Only the raised-voice cap is measured (below); the other
  steps are judgement, bounded the same way.
- The cap is 3 steps: +4.5 dB, +0.6 s, +0.15x, +45 s. What the cap costs, measured with the detection benchmark
  on the development speech (RAVDESS mono sessions, 6 actors, clean / telephone band; `python
  benchmarks/eval_nudge_cap.py --offset-db 4.5 -- --no-two-channel --sessions 1 --conditions clean,phone`, and
  `--offset-db 0` for the plain detector): clips +15 dB or more over the speaker's calm voice cue exactly as
  before; +12..+15 dB 88 -> 78 % (clean) and 92 -> 82 % (phone); +9..+12 dB 62 -> 40 % and 69 -> 60 %; the
  borderline +6..+9 dB, where a cue is most likely "not helpful", 21 -> 8 % and 31 -> 15 %; calm clips 0 % either
  way. So a capped nudge trims the borderline cues and keeps a clearly raised voice cued. Turning a kind off
  stays a visible choice in the menu, never a side effect of marks.
- Floor: a nudge only ever raises a threshold, so it never goes below what the settings and the machine policy say;
  a threshold IT enforces (locked in policy.toml or Group Policy) is never nudged.

Stored as numbers in `nudges.json` in the user data folder (steps, and the last few cues of each kind as 0/1 for
"marked"); never sent anywhere; "Delete my data" removes it. The engine learns the resulting offsets through its
command queue (engine/commands.py SetThresholdOffsets), again at each worker start.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PyQt6.QtCore import QObject, pyqtSignal

from calmcue.detector.kinds import CueKind, Speaker
from calmcue.detector.offsets import FIELDS, SETTING_KEYS, ThresholdOffsets
from calmcue.detector.texts import cue_message
from calmcue.engine.commands import SetThresholdOffsets
from calmcue.ui.i18n import translate

log = logging.getLogger(__name__)

MARKS = 2  # marks of one kind ...
WINDOW_CUES = 5  # ... among the last this many cues of that kind, since its last step
MAX_STEPS = 3
STEPS: dict[tuple[CueKind, Speaker], float] = {
    (CueKind.RAISED_VOICE, Speaker.AGENT): 1.5,  # dB
    (CueKind.RAISED_VOICE, Speaker.CUSTOMER): 1.5,  # dB
    (CueKind.TALK_OVER, Speaker.AGENT): 0.2,  # s
    (CueKind.FAST_SPEECH, Speaker.AGENT): 0.05,  # x the usual pace
    (CueKind.NO_PAUSE, Speaker.AGENT): 15.0,  # s
}
UNITS = {"raised_voice_agent_db": "dB", "raised_voice_customer_db": "dB", "talk_over_s": "s",
         "fast_speech_ratio": "x", "no_pause_s": "s"}
FILE_NAME = "nudges.json"
SCHEMA = 1


@dataclass
class _Kind:
    steps: int = 0
    recent: deque[tuple[int, bool]] = field(default_factory=lambda: deque(maxlen=WINDOW_CUES))  # (cue id, marked)


@dataclass(frozen=True)
class Nudge:
    """One cue kind's nudge as the menu shows it."""

    kind: CueKind
    speaker: Speaker
    steps: int
    amount: float  # in `unit`
    unit: str

    @property
    def figure(self) -> str:
        """"+1.5 dB of at most +4.5 dB", for a tooltip."""
        top = STEPS[(self.kind, self.speaker)] * MAX_STEPS
        return f"+{self.amount:g} {self.unit} (at most +{top:g} {self.unit})"


class Nudges(QObject):
    changed = pyqtSignal(object)  # ThresholdOffsets: send them to the engine
    listed = pyqtSignal(object)  # tuple[Nudge, ...]: what the menu shows
    nudged = pyqtSignal(object)  # Nudge: a step was just taken (tell the agent)

    def __init__(self, path: Path, *, locked: Callable[[str], bool] = lambda _key: False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.locked = locked  # settings key -> enforced by the machine policy
        self._kinds: dict[tuple[CueKind, Speaker], _Kind] = {key: _Kind() for key in STEPS}
        self._write_failed = False
        self._read()

    # --- inputs ------------------------------------------------------------------------------------------

    def shown(self, *, cue_id: int, kind: str, speaker: str) -> None:
        """A cue of the agent's own (not the demo's) was shown."""
        record = self._kinds.get(key) if (key := _key(kind, speaker)) else None
        if record is not None:
            record.recent.append((cue_id, False))
            self._write()

    def marked(self, *, cue_id: int, kind: str, speaker: str, marked: bool = True) -> Nudge | None:
        """The agent marked that cue not helpful (or took the mark back); returns the step taken, if any."""
        key = _key(kind, speaker)
        record = self._kinds.get(key) if key else None
        if key is None or record is None:
            return None
        for i, (seen, _was) in enumerate(record.recent):
            if seen == cue_id:
                record.recent[i] = (seen, marked)
        step = self._maybe_step(key, record)
        self._write()
        if step is not None:
            self.nudged.emit(step)
            self._announce()
        return step

    def undo(self, kind: str, speaker: str) -> None:
        """One click in the menu: back to the settings' threshold; the count of marks starts afresh."""
        key = _key(kind, speaker)
        if key is not None:
            self._kinds[key] = _Kind()
            self._write()
            self._announce()

    def delete(self) -> None:
        """"Delete my data"."""
        self._kinds = {key: _Kind() for key in STEPS}
        self.path.unlink(missing_ok=True)
        self.path.with_name(self.path.name + ".tmp").unlink(missing_ok=True)
        self._announce()

    # --- outputs -----------------------------------------------------------------------------------------

    def offsets(self) -> ThresholdOffsets:
        """What the engine adds to each threshold (a locked threshold gets nothing)."""
        offsets = ThresholdOffsets()
        for key, record in self._kinds.items():
            if record.steps and not self.locked(SETTING_KEYS[key]):
                offsets = offsets.with_offset(*key, record.steps * STEPS[key])
        return offsets

    def command(self) -> SetThresholdOffsets:
        return SetThresholdOffsets(self.offsets())

    def active(self) -> tuple[Nudge, ...]:
        offsets = self.offsets()
        return tuple(Nudge(kind, speaker, self._kinds[(kind, speaker)].steps, round(offsets.get(kind, speaker), 3),
                           UNITS[FIELDS[(kind, speaker)]])
                     for kind, speaker in STEPS if offsets.get(kind, speaker) > 0)

    def announce(self) -> None:
        """Says the current offsets and list (at start, and whenever a new engine starts)."""
        self._announce()

    # --- inside ------------------------------------------------------------------------------------------

    def _maybe_step(self, key: tuple[CueKind, Speaker], record: _Kind) -> Nudge | None:
        if record.steps >= MAX_STEPS or self.locked(SETTING_KEYS[key]):
            return None
        if sum(marked for _id, marked in record.recent) < MARKS:
            return None
        record.steps += 1
        record.recent.clear()  # marks were about the old threshold: the next step needs new ones
        log.info("nudge: %s/%s threshold step %d of %d", key[0], key[1], record.steps, MAX_STEPS)
        return next(n for n in self.active() if (n.kind, n.speaker) == key)

    def _announce(self) -> None:
        self.changed.emit(self.offsets())
        self.listed.emit(self.active())

    def _read(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("schema") != SCHEMA:
                raise ValueError(f"schema {data.get('schema')!r}")
            for name, item in data["kinds"].items():
                kind, _, speaker = str(name).partition("/")
                record = self._kinds.get(key) if (key := _key(kind, speaker)) else None
                if record is not None:
                    record.steps = max(0, min(MAX_STEPS, int(item["steps"])))
                    record.recent.extend((-1, bool(m)) for m in item.get("recent", []))
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            log.warning("nudges in %s not used (%s); starting with none", self.path, err)
            self._kinds = {key: _Kind() for key in STEPS}

    def _write(self) -> None:
        kinds = {f"{k}/{s}": {"steps": r.steps, "recent": [int(m) for _id, m in r.recent]}
                 for (k, s), r in self._kinds.items() if r.steps or r.recent}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(json.dumps({"schema": SCHEMA, "kinds": kinds}, indent=1), encoding="utf-8")
            tmp.replace(self.path)
            self._write_failed = False
        except OSError as err:  # the nudges still apply for this session; said once, not at every cue
            if not self._write_failed:
                log.warning("nudges not saved to %s: %s", self.path, err.strerror)
            self._write_failed = True


def _key(kind: str, speaker: str) -> tuple[CueKind, Speaker] | None:
    try:
        return CueKind(kind), Speaker(speaker)
    except ValueError:
        return None


def nudge_text(nudge: Nudge) -> str:
    """"CalmCue now waits for a little more before 'Slow down'" (the figure goes in the tooltip)."""
    message = cue_message(nudge.kind, nudge.speaker, translate=translate)
    return translate("CalmCue", "CalmCue now waits for a little more before '%1'").replace("%1", message)


def nudge_file() -> Path:
    from calmcue.config import paths

    return paths.user_data_dir() / FILE_NAME
