"""The hold state never costs a caller the start of their turn: a noisy line in the caller's pauses reads as hold
music, and the frames it hid are the caller's once their voice ends it (detector/hold.py)."""

from __future__ import annotations

from calmcue.config.schema import Settings
from calmcue.detector.detector import Detector
from calmcue.detector.hold import LOOKBACK_FRAMES, HeldBack, HeldFrame
from calmcue.features.extractor import ChannelFrame, FrameBatch
from conftest import two_channel_batch

MUSIC = ChannelFrame(level_dbfs=-40.0, speech_level_dbfs=-40.0, f0_hz=float("nan"), tilt_db=-10.0,
                     rate_syl_s=float("nan"), speech_prob=0.1, voiced=False)
VOICE = ChannelFrame(level_dbfs=-30.0, speech_level_dbfs=-30.0, f0_hz=150.0, tilt_db=-10.0, rate_syl_s=4.0,
                     speech_prob=0.9, voiced=True)
QUIET_MIC = ChannelFrame(level_dbfs=-70.0, speech_level_dbfs=-70.0, f0_hz=float("nan"), tilt_db=float("nan"),
                         rate_syl_s=float("nan"), speech_prob=0.0, voiced=False)


def _batch(first_frame: int, agent: list[ChannelFrame], customer: list[ChannelFrame],
           music_prob: list[float]) -> FrameBatch:
    return two_channel_batch(first_frame, list(zip(agent, customer, strict=True)), music_prob=music_prob)


def test_a_caller_speaking_again_over_a_noisy_line_loses_no_frames_to_the_hold_state() -> None:
    """3 s of a steady sound the model calls music (a caller's wind or traffic, or the start of hold music), then
    the caller speaks with the sound still there: their turn starts with their first frame, not when the hold
    state has worn off."""
    detector = Detector(Settings().detector, channels=2)
    noise, speech = 300, 200
    customer = [MUSIC] * noise + [VOICE] * speech
    music_prob = [0.9] * (noise + speech)  # the sound goes on under the voice
    held_at = []
    for first in range(0, noise + speech, 100):
        detector.process(_batch(first, [QUIET_MIC] * 100, customer[first:first + 100], music_prob[first:first + 100]))
        held_at.append(detector.on_hold)
    assert held_at[2]  # the steady sound alone put the call on hold
    assert not held_at[-1]  # the voice ended it
    assert detector._customer_run.start == noise  # and the caller's turn began with their first word


def test_held_frames_count_from_the_voice_that_ended_the_hold_and_the_oldest_leave_as_hold() -> None:
    held = HeldBack()
    sound = [HeldFrame(frame, MUSIC._replace(voiced=True), True) for frame in range(LOOKBACK_FRAMES)]
    late = [held.hold(item) for item in sound]
    assert late == [None] * LOOKBACK_FRAMES
    assert held.hold(HeldFrame(LOOKBACK_FRAMES, VOICE, True)) == sound[0]  # waited a second: it was on hold
    for frame in range(LOOKBACK_FRAMES + 1, LOOKBACK_FRAMES + 30):
        held.hold(HeldFrame(frame, VOICE, True))
    released = held.release()
    voice_start = next(item.frame for item in released if item.heard)
    assert voice_start == LOOKBACK_FRAMES  # voiced music before the caller's voice stays no speech
    assert all(item.heard for item in released if item.frame >= LOOKBACK_FRAMES)
    assert held.release() == []
