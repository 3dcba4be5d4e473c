"""The caller's frames while the call seems on hold: kept back a second, so a caller who was never away loses none.

The hold state (music on the call channel that is not speech) came on in a caller's pauses when their line carried a
steady sound of their surroundings - wind, running water, a bicycle or traffic hum read as music in 66-82 % of the
call channel's frames (the detection benchmark's sfx10 row) - and went off only about 0.6 s after they spoke again.
(Since sfx11 a background whose own frames are almost never voiced is not music and keeps the line off hold:
foreground.MusicBed's pitched share; tonal sounds and real music still bring it on.) Dropped, those first 0.6 s cut
every turn short: the caller's raise was judged on the rest of it and a cut-in found the caller's turn too young
(caller raised voice caught 74.5 %, cut-ins 56.6 %; with no hold state at all 95.4 % and 92.9 %). Hold music itself
cannot simply count: it reads as speech in runs of up to 0.7 s, and its voiced frames would be a caller
(tests/test_model_hold.py). So while on hold the call channel's frames wait `LOOKBACK_S` here; the oldest leave as
no speech (the hold was real), and when the hold state ends the waiting frames from the start of the voice that
ended it (the last run of the activity model's speech, gaps up to `VOICE_GAP_S`) are the start of the caller's voice
and go to the caller's raised-voice track as heard; the music before it stays no speech.

The caller's turn (for talk-over) does not wait: while on hold it runs live on the activity model's speech and on
voiced frames `HOLD_VOICE_MARGIN_DB` over the music bed's median level (detector/foreground.py's MusicBed: off hold
20 dB; on hold that let hold music's loudest frames make talk-over of an agent talking over it,
tests/test_model_hold.py). With music behind a speaking caller (a shop, a TV) the hold state comes on in every
answer of the agent's and is still on for 45 % of the caller's speech frames; a cut-in, judged when the agent
starts a second into the caller's turn, found no caller talking when the turn waited here (the detection
benchmark's cut-ins caught, waiting / live on the model's speech / and on voiced frames 26 dB over the bed: music10
75.2 / 80.5 / 84.1 %, musicline 76.1 / 81.4 / 85.8 %, babble10 87.6 / 89.4 / 93.8 %, sfx10 85.8 / 87.6 / 88.5 %;
polite turns flagged unchanged or fewer; an agent talking over 14 pieces of hold and game music: 26 talk-over
episodes and 9 cues on main, 23 and 8 now). Over a music bed the model itself almost never gives any speech
probability, a frame it gives a little (foreground.MusicBed.voice_under) is the caller too: traced, their words under
music read 0.16-0.46 against the bed's 0.01-0.05, and 6 of musicline's 14 missed cut-ins had lost the caller so
(benchmarks/results/detection_talk13.txt).
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy as np

from calmcue.features.activity import SPEECH_PROB
from calmcue.features.extractor import ChannelFrame
from calmcue.timebase import HOP_S

LOOKBACK_S = 1.0  # longer than the hold state takes to end once the caller speaks (about 0.6 s)
LOOKBACK_FRAMES = round(LOOKBACK_S / HOP_S)
VOICE_GAP_S = 0.2  # the voice that ended the hold: the model's speech frames with gaps no longer than this
VOICE_GAP_FRAMES = round(VOICE_GAP_S / HOP_S)
HOLD_VOICE_MARGIN_DB = 26.0  # on hold a voiced frame this far over the music's median level is the caller's turn


class HeldFrame(NamedTuple):
    frame: int
    values: ChannelFrame
    heard: bool  # speech by the detector's rule, hold aside


class HeldBack:
    """The call channel's last `LOOKBACK_S` of frames while the call seems on hold."""

    def __init__(self) -> None:
        self._frames: deque[HeldFrame] = deque()

    def hold(self, item: HeldFrame) -> HeldFrame | None:
        """Keeps a frame back; returns the one that has waited `LOOKBACK_S` (it was on hold: no speech)."""
        self._frames.append(item)
        return self._frames.popleft() if len(self._frames) > LOOKBACK_FRAMES else None

    def release(self) -> list[HeldFrame]:
        """The hold state ended: every frame still waiting, oldest first, heard only from the start of the voice
        that ended it (before it: no speech)."""
        if not self._frames:  # (called on every frame off hold: nothing waits)
            return []
        frames = list(self._frames)
        self._frames.clear()
        start, gap = len(frames), 0
        for index in range(len(frames) - 1, -1, -1):
            if frames[index].values.speech_prob >= SPEECH_PROB:
                start, gap = index, 0
            else:
                gap += 1
                if gap > VOICE_GAP_FRAMES:
                    break
        return [item if index >= start else item._replace(heard=False) for index, item in enumerate(frames)]


class HoldState:
    """On hold: the call channel has carried mostly music lately (the activity model's music_prob, `hold_music`).

    On after about 1.5 s of mostly music, off again after about 1 s without. The model already keeps music out of
    speech_prob; this state also stops cues."""

    SMOOTHING = 0.98  # per frame: a 0.5 s running share of music frames
    ENTER, EXIT = 0.8, 0.3

    def __init__(self) -> None:
        self.music_share = 0.0
        self.on = False

    def step(self, *, music: bool) -> bool:
        """One frame of the call channel; returns whether the call is on hold now."""
        self.music_share = self.SMOOTHING * self.music_share + (1.0 - self.SMOOTHING) * float(music)
        self.on = self.music_share >= (self.EXIT if self.on else self.ENTER)
        return self.on


def hold_music(music_prob: np.ndarray, speech_prob: np.ndarray) -> list[bool]:
    """Frames of the call channel that count towards the hold state: music, and not speech by the same model.

    A caller shouting over a noisy line reads as music as well as speech to the activity model (music_prob 0.6-0.99
    with speech_prob 0.8-0.99 on the development speech under pink noise); taken as hold music, the caller's turn
    vanished and a cut-in into it went unseen. Hold music itself reads as speech in under a tenth of its frames
    (the Asterisk music-on-hold set), so the hold state still comes on.
    """
    return ((music_prob >= 0.5) & ~(speech_prob >= SPEECH_PROB)).tolist()
