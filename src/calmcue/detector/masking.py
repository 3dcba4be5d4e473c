"""Which of a speaker's speech frames noise may have hidden from the voicing decision.

Noise 10 dB under a calm voice hides its weakest voiced frames (syllable edges, soft endings) from the voicing
decision, while a raised voice, 10 dB louder, keeps nearly all of its own: on the sfx10 row 15-20 % of a calm voice's
voiced frames are lost, and read over the voiced frames left, the calm voice's 80th percentile comes out 1-3 dB
higher than on a quiet line, its tilt flatter, and every raise reads that much smaller over it. Such a frame is still
heard as speech; where the noise stands as loud as it, it may be a voiced frame the noise covers, so the track counts
it for the level where it stood (speaker.SpeakerTrack: the short-term level and the baseline's, never pitch or tilt)
and the quantile is again one of the voice's frames, noise or not, as on a quiet line.

A speech frame that is not voiced is taken as covered when it is half noise or more by the features' noise floor
(they took `MASKED_DB` or more of noise power off its level), or when it stands no louder than the median level of
the channel's frames without speech over the last 3 s: the features' floor is a 3 s minimum, far under a noise that
comes and goes (dishes, footsteps, other talkers; on those rows most lost frames had under 1 dB taken off), while
the pauses' median is what such a noise mostly sounds like. Not over that median: a frame a few dB over it flagged
a calm clip on babble10 and cost raises on music10, where the re-basing's timing moved (detection_noise13.txt).
"""

from __future__ import annotations

from calmcue.detector.quantile import RunningQuantile

MASKED_DB = 3.0  # the features' noise floor took this much or more off a frame's level: half of it is noise
NOISE_FRAMES = 300  # the pauses' median level over the last 3 s of frames without speech...
NOISE_MIN_FRAMES = 50  # ...once 0.5 s of them were heard
SILENT_DBFS = -99.9  # digital silence is no noise (a gated line)


class NoiseMask:
    """The median level of a channel's frames without speech, and whether a speech frame stands no clearer."""

    def __init__(self) -> None:
        self._pauses = RunningQuantile(NOISE_FRAMES)

    def covered(self, *, heard_dbfs: float, speech_dbfs: float, speech: bool, voiced: bool) -> bool:
        """One frame: `heard_dbfs` its level with the noise in it (NaN: not known), `speech_dbfs` with the features'
        noise taken out. True for a speech frame, not voiced, that the noise may have hidden."""
        if not speech:
            if heard_dbfs > SILENT_DBFS:
                self._pauses.defer(heard_dbfs)  # (read only at unvoiced speech frames)
            return False
        if voiced:
            return False
        if heard_dbfs - speech_dbfs >= MASKED_DB:
            return True
        return len(self._pauses) >= NOISE_MIN_FRAMES and heard_dbfs <= self._pauses.value()
