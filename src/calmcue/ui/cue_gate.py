"""Cues never chain: after a cue, the next one waits at least `overlay.min_gap_s` (engine time), except that a
more urgent cue may replace the one still on screen.

Urgency follows what the agent can still change: their own raised voice first, then talking over the caller,
then the caller's raised voice (listen), then a long monologue, then pace. The gate works on the engine's
clock (the cue's t_s), so a demo played faster than real time keeps the same gaps as a live call.
"""

from __future__ import annotations

URGENCY = {  # (kind, speaker) -> rank, higher is more urgent
    ("raised_voice", "agent"): 4,
    ("talk_over", "agent"): 3,
    ("raised_voice", "customer"): 2,
    ("no_pause", "agent"): 1,
    ("fast_speech", "agent"): 0,
}


def urgency(kind: str, speaker: str) -> int:
    return URGENCY.get((kind, speaker), 0)


class CueGate:
    def __init__(self, *, min_gap_s: float) -> None:
        self.min_gap_s = min_gap_s
        self._last: tuple[float, int] | None = None  # engine time and urgency of the last cue shown

    def reset(self) -> None:
        """A new engine (its clock starts at zero again)."""
        self._last = None

    def admit(self, *, kind: str, speaker: str, t_s: float, showing: bool) -> bool:
        """True: show this cue now. `showing` says whether the previous cue is still on screen."""
        rank = urgency(kind, speaker)
        if self._last is not None:
            last_t_s, last_rank = self._last
            soon = 0.0 <= t_s - last_t_s < self.min_gap_s
            if soon and not (showing and rank > last_rank):
                return False
        self._last = (t_s, rank)
        return True
