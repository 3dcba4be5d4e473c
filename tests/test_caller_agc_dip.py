"""A caller on a line whose automatic gain control dipped after a raise (detector/linedip.py): the calm voice that
follows reads under its level, and so do the line's pauses; a raise at the dipped gain is read over that dip, while
the calm voice through the dip and back up is never raised, and a voice that only went soft (the pauses stayed) is
no dip.

Feature frames go straight into the caller's track (no audio), so the gain, the floor and the voice are known exactly
here (benchmarks/detection_stress.py, agcline, measures the same on speech). Part of this line's noise is added after
its AGC, so its floor falls by less than the gain: the reading over the floor (linefloor.py) stays under the +9 dB it
needs to speak, and only the dip read from the calm voice finds the raise.
"""

from __future__ import annotations

from calmcue.detector.speaker import SpeakerTrack
from conftest import caller_prior_track

CALM_LEVEL_DBFS = -30.0
CALM_TILT_DB = -10.0
CALM_F0_HZ = 150.0
FLOOR_DBFS = -70.0
FLOOR_SHARE = 0.6  # the floor falls by this share of the gain's dip (the rest of the noise comes after the AGC)
RAISE_DB, RAISE_TILT_DB, RAISE_ST = 12.0, 4.0, 3.0  # a raise: louder, flatter, higher than the calm voice
DIP_DB = -10.0


def _turns(track: SpeakerTrack, *, start: int, count: int, level_dbfs: float, floor_dbfs: float,
           tilt_db: float = CALM_TILT_DB, semitones_up: float = 0.0) -> tuple[int, int]:
    """`count` turns of 1.5 s of voicing, each after 1 s of pause at `floor_dbfs`, from frame `start`; returns
    (raised-voice episodes started, the frame after the last turn)."""
    started, frame = 0, start
    for _ in range(count):
        for index in range(250):
            voiced = index >= 100
            transition = track.step(frame, level_dbfs=level_dbfs, f0_hz=CALM_F0_HZ * 2 ** (semitones_up / 12),
                                    tilt_db=tilt_db, rate_syl_s=4.0, voiced=voiced, speech=voiced,
                                    line_level_dbfs=level_dbfs if voiced else floor_dbfs)
            started += transition is not None and transition.started
            frame += 1
    return started, frame


def _raise(track: SpeakerTrack, *, start: int, gain_db: float, floor_dbfs: float) -> tuple[int, int]:
    return _turns(track, start=start, count=1, level_dbfs=CALM_LEVEL_DBFS + RAISE_DB + gain_db,
                  floor_dbfs=floor_dbfs, tilt_db=CALM_TILT_DB + RAISE_TILT_DB, semitones_up=RAISE_ST)


def _after_a_raise() -> tuple[SpeakerTrack, int]:
    """A caller calibrated on 6 calm turns, then one raise at the line's usual gain (it fires)."""
    track = caller_prior_track()
    started, frame = _turns(track, start=0, count=6, level_dbfs=CALM_LEVEL_DBFS, floor_dbfs=FLOOR_DBFS)
    assert started == 0 and not track.baseline.from_prior
    started, frame = _raise(track, start=frame, gain_db=0.0, floor_dbfs=FLOOR_DBFS)
    assert started == 1
    return track, frame


def _calm_through(track: SpeakerTrack, *, start: int, gains_db: tuple[float, ...], floor_share: float,
                  tilt_db: float = CALM_TILT_DB, semitones_up: float = 0.0) -> tuple[int, int]:
    """One calm turn at each line gain in `gains_db`; the floor falls by `floor_share` of the gain's dip."""
    started, frame = 0, start
    for gain_db in gains_db:
        more, frame = _turns(track, start=frame, count=1, level_dbfs=CALM_LEVEL_DBFS + gain_db,
                             floor_dbfs=FLOOR_DBFS + floor_share * gain_db, tilt_db=tilt_db,
                             semitones_up=semitones_up)
        started += more
    return started, frame


def test_a_raise_while_the_gain_is_dipped_is_caught() -> None:
    """After the raise the gain is 10 dB down: two calm turns read 10 dB low, the pauses 6 dB; the next raise
    reads +2 dB over the calm level (+8 over the floor's reading) and is caught."""
    track, frame = _after_a_raise()
    started, frame = _calm_through(track, start=frame, gains_db=(DIP_DB, DIP_DB), floor_share=FLOOR_SHARE)
    assert started == 0
    started, _ = _raise(track, start=frame + 300, gain_db=DIP_DB, floor_dbfs=FLOOR_DBFS + FLOOR_SHARE * DIP_DB)
    assert started == 1


def test_without_the_calm_voice_the_dip_is_not_read() -> None:
    """The same raise at the same dipped gain with no calm voice heard since the first raise is not caught: the
    calm voice's reading is what finds it above (the contrast, so the test above could fail)."""
    track, frame = _after_a_raise()
    for _ in range(500):  # the same 5 s as the two calm turns above, all pause (the floor at the dipped gain)
        track.step(frame, level_dbfs=-100.0, f0_hz=float("nan"), tilt_db=float("nan"), rate_syl_s=float("nan"),
                   voiced=False, speech=False, line_level_dbfs=FLOOR_DBFS + FLOOR_SHARE * DIP_DB)
        frame += 1
    started, _ = _raise(track, start=frame + 300, gain_db=DIP_DB, floor_dbfs=FLOOR_DBFS + FLOOR_SHARE * DIP_DB)
    assert started == 0


def test_the_calm_voice_through_the_dip_and_back_is_not_raised() -> None:
    """The gain climbs back from -10 dB in steps over calm turns that are a little brighter and higher than the
    calibration's: none of them is read raised."""
    track, frame = _after_a_raise()
    started, _ = _calm_through(track, start=frame, gains_db=(-10.0, -10.0, -7.0, -4.0, -2.0, 0.0, 0.0),
                               floor_share=FLOOR_SHARE, tilt_db=CALM_TILT_DB + 1.5, semitones_up=1.0)
    assert started == 0


def test_a_voice_that_went_soft_on_a_steady_line_is_no_dip() -> None:
    """After the raise the caller speaks 10 dB softer (the line's pauses do not move), then at their usual level a
    little brighter and higher: read against the calm level, not against the soft voice, so not raised."""
    track, frame = _after_a_raise()
    started, frame = _calm_through(track, start=frame, gains_db=(DIP_DB, DIP_DB), floor_share=0.0)
    assert started == 0
    started, _ = _calm_through(track, start=frame, gains_db=(0.0, 0.0), floor_share=0.0,
                               tilt_db=CALM_TILT_DB + 3.0, semitones_up=2.0)
    assert started == 0
