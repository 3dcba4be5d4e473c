"""Never nag: a cooldown and a cap per hour for each cue kind and speaker, on the frame clock."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from calmcue.config.schema import DetectorSettings
from calmcue.detector.kinds import CueKind, Speaker
from calmcue.timebase import HOP_S

HOUR_FRAMES = round(3600 / HOP_S)


@dataclass(frozen=True)
class Limits:
    enabled: bool
    cooldown_s: float
    max_per_hour: int


class CueLimiter:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._cooldown_frames = round(limits.cooldown_s / HOP_S)
        self._recent: deque[int] = deque()

    def allow(self, frame: int) -> bool:
        """True (and counted) when a cue may be shown at this frame."""
        if not self.limits.enabled:
            return False
        while self._recent and self._recent[0] <= frame - HOUR_FRAMES:
            self._recent.popleft()
        if self._recent and frame - self._recent[-1] < self._cooldown_frames:
            return False
        if len(self._recent) >= self.limits.max_per_hour:
            return False
        self._recent.append(frame)
        return True


def cue_limits(settings: DetectorSettings) -> dict[tuple[CueKind, Speaker], Limits]:
    """Each cue kind's and speaker's switch, cooldown and cap, from the settings."""
    rv, to, fs, npause = settings.raised_voice, settings.talk_over, settings.fast_speech, settings.no_pause
    return {
        (CueKind.RAISED_VOICE, Speaker.AGENT): Limits(rv.enabled_agent, rv.agent_cooldown_s, rv.agent_max_per_hour),
        (CueKind.RAISED_VOICE, Speaker.CUSTOMER): Limits(rv.enabled_customer, rv.customer_cooldown_s,
                                                         rv.customer_max_per_hour),
        (CueKind.TALK_OVER, Speaker.AGENT): Limits(to.enabled, to.cooldown_s, to.max_per_hour),
        (CueKind.FAST_SPEECH, Speaker.AGENT): Limits(fs.enabled, fs.cooldown_s, fs.max_per_hour),
        (CueKind.NO_PAUSE, Speaker.AGENT): Limits(npause.enabled, npause.cooldown_s, npause.max_per_hour),
    }
