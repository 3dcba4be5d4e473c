"""A caller in a busy room: the talkers behind them are not their voice (detector/foreground.py on the caller's side).

Feature frames go straight into the detector (no audio), so the room is known exactly: other talkers 10 dB under
the caller's calm voice, heard as voiced speech through the agent's turns as well as the caller's own, as the
activity model hears office babble (benchmarks/detection_stress.py, babble10).
"""

from __future__ import annotations

import math

import numpy as np

from calmcue.detector.detector import Detector
from calmcue.detector.events import Episode
from calmcue.detector.kinds import CueKind, Speaker
from calmcue.features.extractor import ChannelFrame
from conftest import detector_events

CALM_DBFS = -30.0
ROOM_DBFS = CALM_DBFS - 10.0
TURN_FRAMES = 250  # 2.5 s turns, the agent's and the caller's in turn
GAP_FRAMES = 50
QUIET = ChannelFrame(level_dbfs=-70.0, speech_level_dbfs=-70.0, f0_hz=math.nan, tilt_db=math.nan,
                     rate_syl_s=math.nan, speech_prob=0.0, voiced=False)


def _power_sum(*levels_dbfs: float) -> float:
    return float(10 * np.log10(sum(10 ** (level / 10) for level in levels_dbfs)))


def _frame(level_dbfs: float, *, f0_hz: float, tilt_db: float) -> ChannelFrame:
    return ChannelFrame(level_dbfs=level_dbfs, speech_level_dbfs=level_dbfs, f0_hz=f0_hz, tilt_db=tilt_db,
                        rate_syl_s=4.0, speech_prob=0.9, voiced=True)


def _conversation(*, room: bool, caller_over_db: list[float], seed: int = 1) -> list[tuple[ChannelFrame, ChannelFrame]]:
    """Agent and caller turns; each caller turn `caller_over_db[i]` over their calm voice (a flatter tilt and a
    higher pitch with it, as a raised voice has); with `room`, talkers 10 dB under the calm voice on the line."""
    rng = np.random.default_rng(seed)

    def caller(over_db: float) -> ChannelFrame:
        voice_dbfs = CALM_DBFS + over_db + float(rng.normal(0.0, 3.0))
        level = _power_sum(voice_dbfs, ROOM_DBFS + float(rng.normal(0.0, 2.0))) if room else voice_dbfs
        return _frame(level, f0_hz=200.0 * 2 ** (over_db / 2 / 12), tilt_db=-10.0 + over_db / 3)

    def background() -> ChannelFrame:
        if not room:
            return QUIET
        return _frame(ROOM_DBFS + float(rng.normal(0.0, 2.0)), f0_hz=float(rng.uniform(90.0, 250.0)),
                      tilt_db=-8.0 + float(rng.normal(0.0, 2.0)))

    frames: list[tuple[ChannelFrame, ChannelFrame]] = []
    for over_db in caller_over_db:
        agent_voice = _frame(-28.0, f0_hz=120.0, tilt_db=-12.0)
        frames += [(agent_voice, background()) for _ in range(TURN_FRAMES)]
        frames += [(QUIET, background()) for _ in range(GAP_FRAMES)]
        frames += [(QUIET, caller(over_db)) for _ in range(TURN_FRAMES)]
        frames += [(QUIET, background()) for _ in range(GAP_FRAMES)]
    return frames


def _run(frames: list[tuple[ChannelFrame, ChannelFrame]]) -> tuple[Detector, list[float]]:
    """Feeds the frames a second at a time; returns the detector and the start times of the caller's episodes."""
    detector, events = detector_events(frames)
    return detector, _caller_episode_starts(events)


def _caller_episode_starts(events: list[object]) -> list[float]:
    return [e.start_s for e in events if isinstance(e, Episode) and e.kind == CueKind.RAISED_VOICE
            and e.speaker == Speaker.CUSTOMER]


def test_the_room_behind_a_caller_does_not_lower_their_learned_calm_voice() -> None:
    """Talkers 10 dB under a calm caller, heard in every pause, would pull the caller's learned level down (and a
    calm turn would then read raised); the caller's own voice is what the baseline learns."""
    calm = [0.0] * 12
    quiet_room, _ = _run(_conversation(room=False, caller_over_db=calm))
    busy_room, episodes = _run(_conversation(room=True, caller_over_db=calm))
    quiet_base, busy_base = quiet_room.customer_baseline, busy_room.customer_baseline
    assert quiet_base is not None and busy_base is not None
    assert not quiet_room.customer.baseline.from_prior and not busy_room.customer.baseline.from_prior
    assert abs(busy_base.level_dbfs - quiet_base.level_dbfs) <= 1.0
    assert episodes == []


def test_in_a_busy_room_a_calm_turn_is_not_raised_and_a_raised_one_is() -> None:
    """After a calm opening: a turn 4 dB over the calm voice (calm by the benchmark's truth) stays unflagged, a turn
    12 dB over it fires, with the room 10 dB under the calm voice on the line throughout."""
    opening = [0.0] * 8
    _, calm_episodes = _run(_conversation(room=True, caller_over_db=[*opening, 4.0, 0.0, 4.0, 0.0]))
    assert calm_episodes == []
    _, raised_episodes = _run(_conversation(room=True, caller_over_db=[*opening, 12.0, 0.0]))
    raised_turn_s = len(opening) * 2 * (TURN_FRAMES + GAP_FRAMES) * 0.01 + (TURN_FRAMES + GAP_FRAMES) * 0.01
    assert [start for start in raised_episodes if raised_turn_s - 0.1 <= start <= raised_turn_s + 2.5]
