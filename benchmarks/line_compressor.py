"""A fast dynamics compressor on both lines, for the detection benchmark's ``comp`` stress row.

Headset DSPs, USB headsets' "voice" modes and some softphones compress the voice: the gain falls within
milliseconds once the level passes a threshold and recovers within a few hundred milliseconds. The slow AGC of
``line_agc.py`` lets the first second of a raise through; this one squeezes a raise from its first syllable, by
the same law all through it: a level ``x`` dB over the threshold comes out ``x / RATIO`` over it. So a raise of
+12 dB over a calm voice reads only a few dB over it in level, all the time, and what still tells it from calm
speech is what a compressor leaves alone: pitch and spectral shape.

The model is generic, not any one product's: an RMS level over ``DETECT_S``, read every ``BLOCK_S``; the static
gain reduction ``(level - threshold) * (1 - 1 / RATIO)`` when positive; that reduction followed with time constants
``ATTACK_S`` (when it grows) and ``RELEASE_S`` (when it shrinks); the gain interpolated sample by sample. The
threshold sits ``THRESHOLD_OVER_CALM_DB`` over each channel's calm active speech level (the device was set up for
that voice: calm speech passes with little change, a raised one is squeezed). No make-up gain. Round figures, not
fitted to the development set.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

THRESHOLD_OVER_CALM_DB = 6.0
RATIO = 3.0
ATTACK_S = 0.005
RELEASE_S = 0.15
DETECT_S = 0.005
BLOCK_S = 0.002


def block_levels_db(column: np.ndarray, *, rate_hz: int) -> np.ndarray:
    """RMS level (dBFS) over the DETECT_S before the end of each BLOCK_S block."""
    block = max(1, round(BLOCK_S * rate_hz))
    detect = max(block, round(DETECT_S * rate_hz))
    power = np.concatenate([[0.0], np.cumsum(column.astype(np.float64) ** 2)])
    ends = np.arange(block, len(column) + block, block).clip(max=len(column))
    starts = (ends - detect).clip(min=0)
    mean_power = (power[ends] - power[starts]) / np.maximum(ends - starts, 1)
    return 10.0 * np.log10(mean_power + 1e-12)


def gain_reduction_db(levels_db: np.ndarray, *, threshold_dbfs: float) -> np.ndarray:
    """The smoothed gain reduction (dB, >= 0) per block, from the blocks' levels."""
    static = np.maximum(levels_db - threshold_dbfs, 0.0) * (1.0 - 1.0 / RATIO)
    attack = 1.0 - np.exp(-BLOCK_S / ATTACK_S)
    release = 1.0 - np.exp(-BLOCK_S / RELEASE_S)
    out = np.empty(len(static))
    reduction = 0.0
    for index, want in enumerate(static.tolist()):
        reduction += (want - reduction) * (attack if want > reduction else release)
        out[index] = reduction
    return out


def compressed_line(samples: np.ndarray, rate_hz: int, *, channels: Sequence[int],
                    calm_dbfs: Sequence[float]) -> np.ndarray:
    """``samples`` with the compressor on ``channels`` (the others untouched), each with its threshold
    THRESHOLD_OVER_CALM_DB over that channel's calm active speech level ``calm_dbfs[channel]``; float32."""
    out = samples.astype(np.float64, copy=True)
    columns = out.reshape(len(out), -1)
    block = max(1, round(BLOCK_S * rate_hz))
    for channel in channels:
        column = columns[:, channel]
        reduction = gain_reduction_db(block_levels_db(column, rate_hz=rate_hz),
                                      threshold_dbfs=calm_dbfs[channel] + THRESHOLD_OVER_CALM_DB)
        ends = np.minimum((np.arange(len(reduction)) + 1) * block, len(column)) - 0.5
        columns[:, channel] = column * 10 ** (-np.interp(np.arange(len(column)), ends, reduction) / 20)
    return out.astype(np.float32)
