"""A sound card's DC offset is no sound: the level and the spectrum read the signal without it (features/offset.py),
whatever the blocks (a raise over an offset, on real speech: tests/test_real_speech.py's `dc` case)."""

from __future__ import annotations

import itertools

import numpy as np

from calmcue.features.loudness import level_dbfs
from calmcue.features.offset import OFFSET_HOPS, OffsetTracker
from calmcue.features.reframer import Reframer
from calmcue.timebase import HOP
from conftest import RATE, harmonic, silence

OFFSET = 0.01  # 1 % of full scale: -40 dBFS as a level


def _windows(samples: np.ndarray) -> np.ndarray:
    return Reframer(channels=samples.shape[1]).push(samples)


def test_a_room_over_an_offset_reads_its_own_level() -> None:
    room = silence(2.0, noise_dbfs=-65.0)[:, None]
    windows = _windows(room)
    offset_windows = _windows(room + np.float32(OFFSET))
    plain = level_dbfs(OffsetTracker(channels=1).remove(windows))
    shifted = level_dbfs(OffsetTracker(channels=1).remove(offset_windows))
    settled = slice(10, None)  # once 100 ms of it are heard
    assert level_dbfs(offset_windows)[settled].min() > -41.0  # read raw, the offset swamps the room
    np.testing.assert_allclose(shifted[settled], plain[settled], atol=0.05)
    assert abs(float(np.median(plain[settled])) - -65.0) < 1.5


def test_mains_hum_is_read_as_it_is() -> None:
    t = np.arange(RATE) / RATE
    for mains_hz in (50.0, 60.0):
        hum = (0.05 * np.sin(2 * np.pi * mains_hz * t + 0.3)).astype(np.float32)[:, None]
        windows = _windows(hum)
        settled = slice(OFFSET_HOPS, None)
        centred = level_dbfs(OffsetTracker(channels=1).remove(windows))[settled]
        np.testing.assert_allclose(centred, level_dbfs(windows)[settled], atol=0.1)


def test_a_clipped_voice_leaves_no_offset_behind_in_the_pause_after_it() -> None:
    """A voice driven past full scale is lopsided (its 100 ms mean reached 0.1-0.6 on the development speech at
    +30 dB): the offset is read from the quiet hops, so the room after it reads as the room."""
    rng = np.random.default_rng(5)
    voice = np.clip(harmonic(140.0, seconds=1.0, level_dbfs=-6.0) + 0.3, -1.0, 1.0)  # lopsided: a clipped half-wave
    room = (rng.standard_normal(RATE) * 10 ** (-65 / 20)).astype(np.float32)
    windows = _windows(np.concatenate([room, voice, room])[:, None])
    level = level_dbfs(OffsetTracker(channels=1).remove(windows))[:, 0]
    raw = level_dbfs(windows)[:, 0]
    after = slice(2 * RATE // HOP + 4, 2 * RATE // HOP + 40)  # from the first window wholly in the room after it
    np.testing.assert_allclose(level[after], raw[after], atol=0.5)


def test_the_offsets_do_not_depend_on_how_the_hops_are_grouped() -> None:
    rng = np.random.default_rng(3)
    samples = (rng.standard_normal((HOP * 57, 2)) * 0.05 + [0.02, -0.004]).astype(np.float32)
    windows = _windows(samples)
    whole = OffsetTracker(channels=2).remove(windows)
    one_by_one = OffsetTracker(channels=2)
    grouped = OffsetTracker(channels=2)
    singles = np.concatenate([one_by_one.remove(windows[h:h + 1]) for h in range(len(windows))])
    cuts = [0, 5, 6, 23, 40, len(windows)]
    groups = np.concatenate([grouped.remove(windows[a:b]) for a, b in itertools.pairwise(cuts)])
    assert np.array_equal(singles, whole) and np.array_equal(groups, whole)
