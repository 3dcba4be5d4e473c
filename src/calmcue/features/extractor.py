"""Windows of samples -> per-frame features for every channel.

The numpy maths runs once over all hops and channels that arrived together; the small stateful trackers
(noise floors, octave guard, syllable rate: trackers.py) then run over the same block, visiting frame by frame
only what depends on the frame before. Live and batch share both halves, so the same samples give the same
features whatever the block sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat
from typing import NamedTuple

import numpy as np

from calmcue.features.activity import may_be_voiced
from calmcue.features.activity_model import ActivityKind, ActivityModel, default_kind
from calmcue.features.loudness import LEVEL_FLOOR_DBFS, clip_share_where_loud, level_dbfs
from calmcue.features.offset import OffsetTracker
from calmcue.features.pitch import dropout_windows, silent_windows, stand_in_periodicity, yin_where
from calmcue.features.spectral import power_spectrum, spectral_shape
from calmcue.features.trackers import QUIET_HOLD_FRAMES, SILENT_SNR_DB, Trackers
from calmcue.timebase import HISTORY, HOP, LEVEL_WINDOW

__all__ = ["QUIET_HOLD_FRAMES", "SILENT_SNR_DB", "ChannelFrame", "FeatureExtractor", "FrameBatch", "PathCounts"]

POWER_BINS = LEVEL_WINDOW // 2 + 1  # what power_spectrum returns per window
_LEAD_FRAMES = -(-HISTORY // HOP)  # the frames whose windows begin before the stream's first sample


@dataclass(frozen=True)
class FrameBatch:
    """Features for `count` consecutive frames starting at `first_frame`; every array has shape (count, channels)."""

    first_frame: int
    level_dbfs: np.ndarray
    f0_hz: np.ndarray  # NaN when unvoiced
    periodicity: np.ndarray  # 1 - YIN aperiodicity, 0..1; where the frame cannot be voiced: NaN, or with the
    # activity model (which reads it) a cheap stand-in (pitch.stand_in_periodicity)
    voiced: np.ndarray  # bool
    speech_prob: np.ndarray
    speech_level_dbfs: np.ndarray  # level with the tracked noise power taken out (what the detector compares)
    tilt_db: np.ndarray  # band ratio of the noise-compensated band energies; NaN when silent
    rate_syl_s: np.ndarray  # NaN until enough speech
    music_prob: np.ndarray  # from the activity model; NaN when the classic detector runs
    clip_share: np.ndarray  # share of the level window's samples at full scale (loudness.clip_share): clipping
    cheap: np.ndarray | None = None  # bool: the frames that took the quiet path (no pitch); None: not said

    @property
    def count(self) -> int:
        return int(self.level_dbfs.shape[0])

    def frames_by_channel(self) -> list[list[ChannelFrame]]:
        """Every channel's frames as plain floats, one list per channel: each field's array read out once for all
        channels (a live hop: 8 conversions, not 8 per channel). (tuple.__new__ over the zipped columns: what
        ChannelFrame._make does, without its length check a frame - every field is here.)"""
        fields = [getattr(self, name).T.tolist() for name in ChannelFrame._fields]  # per field: channels x hops
        return [list(map(tuple.__new__, repeat(ChannelFrame), zip(*columns, strict=True)))
                for columns in zip(*fields, strict=True)]


@dataclass(frozen=True)
class PathCounts:
    """How many frames (per channel, summed over channels) went through the extractor, and how many of them took
    the quiet path (no pitch: the channel was quiet for a while; see `FeatureExtractor.process`)."""

    frames: int
    cheap_frames: int


class ChannelFrame(NamedTuple):
    """One frame of one channel: what the detector reads (the same names as FrameBatch's arrays)."""

    level_dbfs: float
    speech_level_dbfs: float
    f0_hz: float
    tilt_db: float
    rate_syl_s: float
    speech_prob: float
    voiced: bool
    clip_share: float = 0.0


class FeatureExtractor:
    def __init__(self, *, channels: int, rate_window_s: float = 5.0,
                 activity: ActivityKind | None = None) -> None:
        self.channels = channels
        self.frames_done = 0
        self._trackers = Trackers(channels=channels, rate_window_s=rate_window_s)
        self._offset = OffsetTracker(channels=channels)
        activity = activity or default_kind()  # None: CALMCUE_ACTIVITY, else the model
        self.model = ActivityModel.create(channels=channels) if activity is ActivityKind.MODEL else None
        self._cheap_frames = 0

    @property
    def counts(self) -> PathCounts:
        return PathCounts(frames=self.frames_done * self.channels, cheap_frames=self._cheap_frames)

    def process(self, windows: np.ndarray) -> FrameBatch:
        """windows: (hops, channels, n) float32 from the Reframer."""
        hops = windows.shape[0]
        centred = self._offset.remove(windows)  # level and spectrum without a DC offset; clipping reads the samples
        if windows.any():
            level, power = level_dbfs(centred), power_spectrum(centred)
            clipped = clip_share_where_loud(windows, level)
        else:  # digital silence everywhere (a muted mic, no call): the same numbers without the FFT
            level = np.full(windows.shape[:2], LEVEL_FLOOR_DBFS)
            power = np.zeros((*windows.shape[:2], POWER_BINS), np.float32)
            clipped = np.zeros(windows.shape[:2])
        shape = spectral_shape(power)
        floors = self._trackers.floors(level, shape)
        speech = music = None
        # No pitch where a frame cannot be voiced (within a few dB of the noise floor: nobody speaks, or a pause);
        # the model, which reads periodicity on every frame, gets a cheap stand-in there once the channel has been
        # quiet (nothing WAKE_SNR_DB over its floor) for QUIET_HOLD_FRAMES: a room's noise, between calls.
        if self.model is not None:
            quiet = self._trackers.long_quiet(floors)
        else:
            quiet = ~may_be_voiced(level, floors.level_dbfs)
        cheap = int(np.count_nonzero(quiet))  # np.count_nonzero without an axis: no Python wrapper, unlike .any()
        self._cheap_frames += cheap
        # a lost packet played as silence, or a device's dropout: no pitch where the sound comes back (YIN reads that
        # edge as a period); the zeros before the stream's first samples are no dropout
        dropped = dropout_windows(windows) if cheap < quiet.size else None
        if dropped is not None and self.frames_done < _LEAD_FRAMES:
            dropped[: _LEAD_FRAMES - self.frames_done] = False
        pitch = yin_where(windows, ~quiet if dropped is None else ~quiet & ~dropped)
        periodicity = np.maximum(1.0 - pitch.aperiodicity, 0.0)
        if dropped is not None:
            periodicity[dropped & ~quiet] = 0.0
        if self.model is not None:
            any_quiet = cheap > 0
            # cheap first: only then look at every sample (np.logical_and.reduce: .all(axis=1) without its wrapper)
            at_floor = np.logical_and.reduce(level <= LEVEL_FLOOR_DBFS, axis=1)
            any_at_floor = np.count_nonzero(at_floor) > 0
            # which windows are digital silence: read once for the stand-in and the model (not a copy of the
            # quiet windows' samples: in batch that copy cost 3-4 % of the time)
            zeros = silent_windows(windows) if any_quiet or any_at_floor else quiet
            if any_quiet:
                periodicity[quiet] = stand_in_periodicity(power[quiet], silent=zeros[quiet])
            silent: np.ndarray | None = None
            if any_at_floor:
                silent = np.logical_and(at_floor, zeros.all(axis=1))
            speech, music = self.model.process(power, periodicity, level, silent=silent)
        tracked = self._trackers.run(floors, shape, pitch, speech)
        batch = FrameBatch(
            first_frame=self.frames_done, level_dbfs=level, f0_hz=tracked.f0_hz, periodicity=periodicity,
            voiced=tracked.voiced, speech_prob=tracked.speech_prob, speech_level_dbfs=tracked.speech_level_dbfs,
            tilt_db=tracked.tilt_db, rate_syl_s=tracked.rate_syl_s,
            music_prob=np.full_like(level, np.nan) if music is None else music.astype(np.float64),
            clip_share=clipped, cheap=quiet,
        )
        self.frames_done += hops
        return batch
