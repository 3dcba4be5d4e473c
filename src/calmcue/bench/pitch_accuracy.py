"""Pitch-tracker accuracy against the FDA-UE laryngograph reference, for `calmcue bench` (and importable by
`benchmarks/eval_pitch.py`: the metric functions have the same names, argument order and results as its own).

Scores follow the usual definitions:

- gross pitch error (GPE): among the frames that both the reference and the tracker call voiced, the share whose
  F0 is more than 20 % away from the reference;
- voicing decision error (VDE): the share of all frames where the tracker and the reference disagree on voiced.

A track is a pair of arrays (times_s, f0_hz) with NaN (or 0) for unvoiced frames; `times_s` is the centre of each
analysis window. Tracks are compared at the reference's frame times by taking the tracker frame nearest in time.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from calmcue.audio.resample import StreamResampler
from calmcue.errors import BadInputError
from calmcue.timebase import ANALYSIS_RATE_HZ, HOP

GROSS_ERROR_RATIO = 0.2
FDA_FRAME_S = 0.015  # one reference value per 15 ms
# The reference value n describes the 15 ms frame that starts at n * 15 ms, i.e. the audio around its centre
# n * 15 ms + 7.5 ms. Measured by scanning the offset (-30..+45 ms on 40 files, -2.5..+17.5 ms on all 100):
# CalmCue's YIN, librosa.yin, librosa.pyin and the pipeline's voiced F0 all score best between +5 and +10 ms.
FDA_OFFSET_S = 0.0075


@dataclass(frozen=True)
class Utterance:
    """One FDA-UE recording resampled to the analysis rate, with its reference track."""

    name: str
    samples: np.ndarray  # float32 mono at 16 kHz
    ref_times_s: np.ndarray
    ref_f0_hz: np.ndarray  # NaN where the laryngograph says unvoiced


def _voiced(f0_hz: np.ndarray) -> np.ndarray:
    f0 = np.asarray(f0_hz, np.float64)
    return np.isfinite(f0) & (f0 > 0)


def gross_error_counts(est_f0_hz: np.ndarray, ref_f0_hz: np.ndarray, *,
                       ratio: float = GROSS_ERROR_RATIO) -> tuple[int, int]:
    """(gross errors, frames both call voiced) for two tracks on the same frames; NaN, 0 or less = unvoiced."""
    est = np.asarray(est_f0_hz, np.float64)
    ref = np.asarray(ref_f0_hz, np.float64)
    both = _voiced(ref) & _voiced(est)
    errors = np.abs(est[both] - ref[both]) > ratio * ref[both]
    return int(errors.sum()), int(both.sum())


def voicing_error_counts(est_f0_hz: np.ndarray, ref_f0_hz: np.ndarray) -> tuple[int, int]:
    """(frames whose voiced/unvoiced decisions differ, all frames) for two tracks on the same frames."""
    differ = _voiced(np.asarray(est_f0_hz)) != _voiced(np.asarray(ref_f0_hz))
    return int(differ.sum()), int(differ.size)


def gross_pitch_error(est_f0_hz: np.ndarray, ref_f0_hz: np.ndarray, *, ratio: float = GROSS_ERROR_RATIO) -> float:
    """GPE in %: of the frames both call voiced, those more than `ratio` away from the reference (NaN if none)."""
    errors, n = gross_error_counts(est_f0_hz, ref_f0_hz, ratio=ratio)
    return 100.0 * errors / n if n else math.nan


def voicing_decision_error(est_f0_hz: np.ndarray, ref_f0_hz: np.ndarray) -> float:
    """VDE in %: of all frames, those where the voiced/unvoiced decisions differ (NaN if there are none)."""
    errors, n = voicing_error_counts(est_f0_hz, ref_f0_hz)
    return 100.0 * errors / n if n else math.nan


def at_times(track_times_s: np.ndarray, track_f0_hz: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """The track's value at each of `times_s`, from the frame whose centre is nearest (NaN outside the track)."""
    track_times_s = np.asarray(track_times_s, np.float64)
    if track_times_s.size == 0:
        return np.full(np.shape(times_s), np.nan)
    step = float(np.median(np.diff(track_times_s))) if track_times_s.size > 1 else 1.0
    index = np.rint((np.asarray(times_s) - track_times_s[0]) / step).astype(np.intp)
    inside = (index >= 0) & (index < track_times_s.size)
    out = np.full(index.shape, np.nan)
    out[inside] = np.asarray(track_f0_hz, np.float64)[index[inside]]
    return out


def fda_ue_files(data_dir: Path) -> list[Path]:
    """The FDA-UE WAV files that have a reference track, sorted (rl = male speaker, sb = female speaker)."""
    folder = Path(data_dir) / "fda_ue"
    return sorted(p for p in folder.glob("*.wav") if p.with_suffix(".f0ref").exists())


def pick_files(files: Sequence[Path], *, limit: int | None) -> list[Path]:
    """All files, or `limit` of them spread evenly and alternating between the two speakers."""
    if limit is None or limit >= len(files):
        return list(files)
    by_speaker: dict[str, list[Path]] = {}
    for path in files:
        by_speaker.setdefault(path.name[:2], []).append(path)
    groups = list(by_speaker.values())
    picked: list[Path] = []
    for i in range(limit):
        group = groups[i % len(groups)]
        rank = i // len(groups)
        per_group = -(-limit // len(groups))
        picked.append(group[min(len(group) - 1, rank * len(group) // per_group)])
    return picked


def load_utterance(wav: Path) -> Utterance:
    """Reads one FDA-UE file, resamples it to 16 kHz with the engine's own resampler, and reads its reference."""
    try:
        samples, rate_hz = sf.read(str(wav), dtype="float32", always_2d=True)
        ref = np.loadtxt(wav.with_suffix(".f0ref"), dtype=np.float64, ndmin=1)
    except (OSError, RuntimeError, ValueError) as err:
        raise BadInputError(f"{wav}: cannot read it or its .f0ref file ({err}); check the FDA-UE folder") from None
    mono = samples[:, :1]
    resampler = StreamResampler(in_rate_hz=int(rate_hz), channels=1)
    x16 = np.concatenate([resampler.process(mono), resampler.flush()])[:, 0]
    ref_f0 = np.where(ref > 0, ref, np.nan)
    times = np.arange(ref.size) * FDA_FRAME_S + FDA_OFFSET_S
    return Utterance(wav.stem, np.ascontiguousarray(x16), times, ref_f0)


def fda_ue_utterances(data_dir: Path, *, limit: int | None = None) -> Iterator[Utterance]:
    """Yields FDA-UE utterances (all, or `limit` spread over both speakers) at the analysis rate."""
    for wav in pick_files(fda_ue_files(data_dir), limit=limit):
        yield load_utterance(wav)


@dataclass
class Score:
    """Error counts summed over utterances."""

    gross: int = 0
    voiced_both: int = 0
    voicing_wrong: int = 0
    frames: int = 0
    has_voicing: bool = True

    def add(self, *, est_f0_hz: np.ndarray, ref_f0_hz: np.ndarray) -> None:
        g, n = gross_error_counts(est_f0_hz, ref_f0_hz)
        v, m = voicing_error_counts(est_f0_hz, ref_f0_hz)
        self.gross += g
        self.voiced_both += n
        self.voicing_wrong += v
        self.frames += m

    @property
    def gpe(self) -> float | None:
        return self.gross / self.voiced_both if self.voiced_both else None

    @property
    def vde(self) -> float | None:
        return self.voicing_wrong / self.frames if self.frames and self.has_voicing else None


def analysis_window_centres(frames: int, *, first_window_end: int, window: int) -> np.ndarray:
    """Centre times (s) of `frames` windows `window` samples long, one hop apart, the first ending at sample
    `first_window_end` (at the analysis rate)."""
    ends = first_window_end + HOP * np.arange(frames)
    return (ends - window / 2) / ANALYSIS_RATE_HZ
