"""A line with automatic gain control, for the detection benchmark's ``agcline`` and ``agc`` stress rows.

Mobile phones and VoIP softphones level the talker's voice before it reaches the call: a digital AGC that moves the
gain slowly towards a target speech level, and a limiter that keeps peaks under full scale. A raised voice on such a
line reads louder only for the first second or so, then the AGC takes the gain down; the calm voice after it starts
quiet and comes back up. Level over the calm voice then says less, and effort has to be read from what the AGC
leaves alone (pitch, spectral shape).

The model here is generic, not any one product's: per 10 ms frame, frames 12 dB over a slow noise floor count as
speech; the speech level is their power averaged with a 0.5 s time constant; the gain moves towards
``TARGET_DBFS - speech level`` by at most ``SLEW_DB_PER_S`` (held in pauses), starting settled on the talker's
calm voice (the line has carried it for a while: a start-up sweep over the calm opening would test the AGC, not
the detector), within ``GAIN_RANGE_DB``, smoothed
sample by sample; then a look-ahead limiter at ``LIMIT_DBFS``. WebRTC's AGC2 moves its gain at
a few dB per second in the same spirit; the figures are round values, not tuned to the dev set.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

TARGET_DBFS = -18.0
SLEW_DB_PER_S = 3.0
GAIN_RANGE_DB = (-20.0, 30.0)
LEVEL_TAU_S = 0.5
SPEECH_OVER_FLOOR_DB = 12.0
FLOOR_RISE_DB_PER_S = 1.0  # the noise floor follows falls at once and rises this slowly
LIMIT_DBFS = -1.0
LIMIT_WINDOW_S = 0.01
FRAME_S = 0.01


def _frame_db(column: np.ndarray, *, frame: int) -> np.ndarray:
    n_frames = len(column) // frame + (1 if len(column) % frame else 0)
    padded = np.zeros(n_frames * frame, dtype=np.float64)
    padded[: len(column)] = column
    power = np.mean(padded.reshape(n_frames, frame) ** 2, axis=1)
    return 10.0 * np.log10(power + 1e-12)


def frame_gains_db(frame_db: np.ndarray, *, start_level_dbfs: float) -> np.ndarray:
    """The AGC's gain per frame (dB), from each frame's input level (dBFS); it starts settled on a speech level of
    `start_level_dbfs` (a line that has carried this voice for a while)."""
    alpha = 1.0 - np.exp(-FRAME_S / LEVEL_TAU_S)
    step_db = SLEW_DB_PER_S * FRAME_S
    floor_db = float(frame_db[0]) if len(frame_db) else -120.0
    level_power = 10 ** (start_level_dbfs / 10)
    gain_db = float(np.clip(TARGET_DBFS - start_level_dbfs, *GAIN_RANGE_DB))
    gains = np.empty(len(frame_db))
    for index, db in enumerate(frame_db):
        floor_db = min(float(db), floor_db + FLOOR_RISE_DB_PER_S * FRAME_S)
        if db > floor_db + SPEECH_OVER_FLOOR_DB:
            power = 10 ** (db / 10)
            level_power += alpha * (power - level_power)
            want_db = float(np.clip(TARGET_DBFS - 10 * np.log10(level_power), *GAIN_RANGE_DB))
            gain_db += float(np.clip(want_db - gain_db, -step_db, step_db))
        gains[index] = gain_db
    return gains


def _limit(column: np.ndarray, *, rate_hz: int) -> np.ndarray:
    """A look-ahead limiter: each sample gets the lowest gain that any sample within LIMIT_WINDOW_S of it needs to
    stay under LIMIT_DBFS (so the gain falls before a peak and comes back after it, never mid-wave)."""
    need_db = np.maximum(20 * np.log10(np.abs(column) + 1e-12) - LIMIT_DBFS, 0.0)
    held_db = ndimage.maximum_filter1d(need_db, size=max(1, round(LIMIT_WINDOW_S * rate_hz)), mode="nearest")
    return column * 10 ** (-held_db / 20)


def agc_line(samples: np.ndarray, rate_hz: int, *, channels: Sequence[int], calm_dbfs: Sequence[float]) -> np.ndarray:
    """``samples`` with the AGC and limiter applied to ``channels`` (the others untouched), each AGC starting settled
    on that channel's calm active speech level ``calm_dbfs[channel]``; float32."""
    out = samples.astype(np.float64, copy=True)
    columns = out.reshape(len(out), -1)
    frame = round(FRAME_S * rate_hz)
    for channel in channels:
        column = columns[:, channel]
        gains_db = frame_gains_db(_frame_db(column, frame=frame), start_level_dbfs=calm_dbfs[channel])
        centres = (np.arange(len(gains_db)) + 0.5) * frame
        smooth_db = np.interp(np.arange(len(column)), centres, gains_db)  # no steps at frame edges
        columns[:, channel] = _limit(column * 10 ** (smooth_db / 20), rate_hz=rate_hz)
    return out.astype(np.float32)
