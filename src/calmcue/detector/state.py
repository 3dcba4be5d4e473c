"""The small state machine behind every cue kind: hysteresis, a minimum duration and an exit delay.

idle --enter--> pending --held for min_frames--> active --below exit--> exiting --exit_frames--> idle
While active, staying above the exit thresholds keeps it so (hysteresis); once it has dropped below them, only
the enter thresholds bring it back within the exit delay, so a calm sentence after a pause never inherits an
earlier raised one. A pending condition that lapses before the minimum leaves no episode. A machine given
`early_frames` also confirms a pending condition once that many more frames were clearly over the enter thresholds
than not (the caller says what "clearly" is): strong evidence needs less time than marginal evidence. Times are
frame indices.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    IDLE = "idle"
    PENDING = "pending"
    ACTIVE = "active"
    EXITING = "exiting"


# The phases as module constants: a StrEnum member looked up on its class costs about 0.12 us, and every cue
# kind's machine steps every frame (issue 15)
_IDLE, _PENDING, _ACTIVE, _EXITING = Phase.IDLE, Phase.PENDING, Phase.ACTIVE, Phase.EXITING


@dataclass(frozen=True)
class Transition:
    started: bool  # True: the episode became active now; False: it ended
    start_frame: int
    end_frame: int  # the current frame for a start; the first calm frame for an end


class EpisodeMachine:
    def __init__(self, *, min_frames: int, exit_frames: int, enter_share: float = 0.5, gap_frames: int = 0,
                 early_frames: int = 0) -> None:
        self.min_frames = min_frames
        self.early_frames = early_frames  # 0: no early confirmation
        self.exit_frames = exit_frames
        self.enter_share = enter_share
        self.gap_frames = gap_frames  # a pending condition survives lapses this long (a dip inside a sentence)
        self._last_held = 0
        self.phase = Phase.IDLE
        self.start_frame = 0
        self._calm_since = 0
        self._entering_frames = 0
        self._clear_frames = 0  # frames clearly over, less those not (a pause or a weaker frame takes one off)

    def step(self, frame: int, *, entering: bool, staying: bool, clear: bool = False) -> Transition | None:
        """`entering`: above the enter thresholds; `staying`: still above the exit thresholds; `clear`: clearly
        above the enter thresholds (counts only with `early_frames`)."""
        if self.phase is _IDLE:
            if entering:
                self.phase, self.start_frame, self._entering_frames = _PENDING, frame, 1
                self._last_held, self._clear_frames = frame, int(clear)
            return None
        if self.phase is _PENDING:
            self._clear_frames = self._clear_frames + 1 if clear else max(0, self._clear_frames - 1)
            if not (staying or entering):
                if frame - self._last_held >= self.gap_frames:
                    self.phase = _IDLE
                return None
            self._last_held = frame
            self._entering_frames += entering
            held = frame - self.start_frame + 1
            early = self.early_frames and self._clear_frames >= self.early_frames
            if (held >= self.min_frames or early) and self._entering_frames >= self.enter_share * held:
                self.phase = _ACTIVE
                return Transition(True, self.start_frame, frame)
            return None
        if entering or (staying and self.phase is _ACTIVE):
            self.phase = _ACTIVE
            return None
        if self.phase is _ACTIVE:
            self.phase, self._calm_since = _EXITING, frame
        if frame - self._calm_since + 1 >= self.exit_frames:
            self.phase = _IDLE
            return Transition(False, self.start_frame, self._calm_since)
        return None

    def close(self, frame: int) -> Transition | None:
        """End of stream: an active episode ends here."""
        if self.phase in (Phase.ACTIVE, Phase.EXITING):
            end = self._calm_since if self.phase is Phase.EXITING else frame
            self.phase = Phase.IDLE
            return Transition(False, self.start_frame, end)
        self.phase = Phase.IDLE
        return None

    @property
    def active(self) -> bool:
        return self.phase in (Phase.ACTIVE, Phase.EXITING)
