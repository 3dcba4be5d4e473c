""""Slow down": the agent's speaking rate against their own usual pace (pace.py), as an episode.

The rate (features/rate.py) is read over the last `window_speech_s` of speech, so the cue is judged only once that
window holds speech heard since the start or since a new microphone: over its first seconds it reads a sentence or
two and wanders further (a demo started part-way fired at once). An episode starts after `min_s` at
`rate_ratio_enter` times the usual pace or more (scaled by the sensitivity), with voicing within the last 0.3 s, and
stays while `pace_holds`.
"""

from __future__ import annotations

import math

from calmcue.config.schema import FastSpeechSettings
from calmcue.detector.pace import PaceReference
from calmcue.detector.speaker import RECENT_SPEECH_FRAMES
from calmcue.detector.state import EpisodeMachine, Transition
from calmcue.timebase import HOP_S

EXIT_S = 1.0
# The rate is that of the last seconds of speech, so a pause between sentences keeps a fast episode going (it
# only stops new ones from starting); a longer silence ends it.
PAUSE_BRIDGE_FRAMES = round(1.5 / HOP_S)


def pace_holds(ratio: float, *, since_voiced_frames: int, enter_ratio: float) -> bool:
    """Whether a fast_speech episode stays: voiced speech within the bridge, at a rate `ratio` times the usual pace
    still 60 % of the way from 1 to the ratio that starts one (`enter_ratio`)."""
    return since_voiced_frames <= PAUSE_BRIDGE_FRAMES and ratio >= 1.0 + 0.6 * (enter_ratio - 1.0)


class FastSpeechCue:
    """The agent's usual pace, their latest rate over it, and the episode machine that says "Slow down"."""

    def __init__(self, settings: FastSpeechSettings, *, scale: float) -> None:
        self.machine = EpisodeMachine(min_frames=round(settings.min_s / HOP_S), exit_frames=round(EXIT_S / HOP_S))
        self.pace = PaceReference()  # the agent's usual pace, learned over the call's speech
        self.window_frames = round(settings.window_speech_s / HOP_S)
        self.speech_frames = 0  # the agent's speech heard since the start or a new microphone
        self.ratio = math.nan  # the latest rate over the usual pace
        self.enter_ratio = math.nan
        self.retune(settings, scale=scale)

    def retune(self, settings: FastSpeechSettings, *, scale: float) -> None:
        self.enter_ratio = 1.0 + (settings.rate_ratio_enter - 1.0) * scale

    def restart(self) -> None:
        """A new microphone: the usual pace and the rate's window start afresh."""
        self.pace.restart()
        self.speech_frames = 0

    def step(self, frame: int, rate_syl_s: float, *, voiced: bool, speech: bool, calibrating: bool,
             since_voiced_frames: int) -> Transition | None:
        """One frame of the agent: its rate reading, whether it is voiced speech / speech, whether the agent's
        baseline is still `calibrating`, and how long ago the agent was last voiced."""
        self.speech_frames += speech
        if voiced:
            self.pace.observe(rate_syl_s, calibrating=calibrating)
        if calibrating or not self.pace.value > 0 or math.isnan(rate_syl_s) or self.speech_frames < self.window_frames:
            entering = staying = False
            self.held_back()
        else:
            ratio = rate_syl_s / self.pace.value
            entering = self.enters(ratio, voiced=voiced) and since_voiced_frames <= RECENT_SPEECH_FRAMES
            staying = pace_holds(ratio, since_voiced_frames=since_voiced_frames, enter_ratio=self.enter_ratio)
            self.ratio = ratio
        return self.machine.step(frame, entering=entering, staying=staying)

    def enters(self, ratio: float, *, voiced: bool) -> bool:
        """The rule that starts an episode, asked on every frame that is judged (benchmarks/pace_evidence.py
        measures others in its place)."""
        return ratio >= self.enter_ratio

    def held_back(self) -> None:
        """A frame not judged (calibrating, no usual pace or rate yet, the rate's window not yet full of speech)."""

    def evidence(self, *, duration_s: float) -> dict[str, float]:
        return {"rate_ratio": self.ratio, "baseline_rate_syl_s": self.pace.value, "duration_s": duration_s}
