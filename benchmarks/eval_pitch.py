"""Pitch benchmark on FDA-UE: gross pitch error and voicing decision error against a laryngograph reference.

Data: ``$CALMCUE_DATA/fda_ue`` (default ``../shared/data/fda_ue``): 100 utterances each from rl (male) and
sb (female), 20 kHz wavs, ``*.f0ref`` with one F0 value per 15 ms frame (0 = unvoiced).

Alignment (checked empirically, see ``benchmarks/README.md``): reference frame k describes the 15 ms from
15k ms, so its time is its centre, 15k + 7.5 ms. Every tracker's track is sampled at those times by nearest
frame. librosa frames are centred (``center=True``), so they are scored at their own times; CalmCue's frame
time is the end of its analysis window, so its track is shifted by the lag that best fits the reference
(searched over -30..+60 ms and printed).

Metrics, pooled over all frames of all files:

- GPE: % of the frames that both the reference and the tracker call voiced where |f0 - ref| > 20 % of ref;
- VDE: % of all frames where the voiced/unvoiced decisions differ.

librosa.yin has no voicing decision, so it counts as voiced everywhere; ``librosa.yin+gate`` adds an
energy gate (voiced where the 32 ms RMS is within 40 dB of the file's loudest frame) for comparison.

    python benchmarks/eval_pitch.py [--quick] [--trackers calmcue,pyin,yin] [--json OUT] [-v]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import soxr
from tqdm import tqdm

from calmcue.bench import pitch_accuracy

RATE_HZ = 16000
HOP = 160  # 10 ms at 16 kHz
REF_HOP_S = 0.015
REF_OFFSET_S = 0.0075  # time of reference frame 0 (its centre); see the module docstring
GROSS_ERROR_RATIO = pitch_accuracy.GROSS_ERROR_RATIO
F0_MIN_HZ = 60.0
F0_MAX_HZ = 500.0
LIBROSA_FRAME_LENGTH = 1024
GATE_BELOW_PEAK_DB = 40.0
LAG_SEARCH_S = (-0.030, 0.060)
FINE_ERROR_MAX_CENTS = 200.0  # frames further apart than this are gross errors, left out of the fine error

GOALS = {"gpe_max_pct": 2.0, "vde_max_pct": 14.0}
ISSUE_FIGURES = {"librosa.pyin": (1.0, 16.0), "librosa.yin": (3.9, 33.0)}


# -------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Utterance:
    name: str  # e.g. "rl001"
    speaker: str  # "rl" or "sb"
    samples: np.ndarray  # float32 mono at RATE_HZ
    ref_f0_hz: np.ndarray  # one value per 15 ms reference frame, 0 = unvoiced


def fda_ue_dir(data_dir: Path | str | None = None) -> Path:
    """The fda_ue folder: ``data_dir`` itself, ``data_dir/fda_ue``, or ``$CALMCUE_DATA/fda_ue``."""
    if data_dir is None:
        root = Path(
            os.environ.get("CALMCUE_DATA")
            or Path(__file__).resolve().parent.parent.parent / "shared" / "data"
        )
        return root / "fda_ue"
    path = Path(data_dir)
    return path / "fda_ue" if (path / "fda_ue").is_dir() else path


def load_fda_ue(
    data_dir: Path | str | None = None, *, rate_hz: int = RATE_HZ, limit_per_speaker: int | None = None
) -> list[Utterance]:
    """All utterances with a ``.f0ref``, resampled to ``rate_hz`` with soxr, sorted by name."""
    folder = fda_ue_dir(data_dir)
    utterances = []
    counts: dict[str, int] = {}
    for ref_path in sorted(folder.glob("*.f0ref")):
        speaker = ref_path.stem.rstrip("0123456789")
        if limit_per_speaker is not None and counts.get(speaker, 0) >= limit_per_speaker:
            continue
        counts[speaker] = counts.get(speaker, 0) + 1
        samples, file_rate_hz = sf.read(ref_path.with_suffix(".wav"), dtype="float32", always_2d=False)
        if file_rate_hz != rate_hz:
            samples = soxr.resample(samples, file_rate_hz, rate_hz).astype(np.float32)
        ref = np.loadtxt(ref_path, dtype=np.float64, ndmin=1)
        utterances.append(Utterance(ref_path.stem, speaker, samples, ref))
    return utterances


def reference_times_s(n_frames: int, *, offset_s: float = REF_OFFSET_S) -> np.ndarray:
    return offset_s + REF_HOP_S * np.arange(n_frames)


# ----------------------------------------------------------------------------------------- metrics


# The metrics are the package's own (calmcue bench scores the same way): one definition of GPE and VDE.
_voiced = pitch_accuracy._voiced
gross_error_counts = pitch_accuracy.gross_error_counts
voicing_error_counts = pitch_accuracy.voicing_error_counts
gross_pitch_error = pitch_accuracy.gross_pitch_error
voicing_decision_error = pitch_accuracy.voicing_decision_error


def sample_nearest(track_t_s: np.ndarray, track_f0_hz: np.ndarray, *, at_s: np.ndarray) -> np.ndarray:
    """The track's value at each time in ``at_s`` by nearest frame (NaN beyond half a hop past either end)."""
    if len(track_t_s) == 0:
        return np.full(len(at_s), np.nan)
    index = np.clip(np.searchsorted(track_t_s, at_s), 1, max(1, len(track_t_s) - 1))
    left = np.clip(index - 1, 0, len(track_t_s) - 1)
    right = np.clip(index, 0, len(track_t_s) - 1)
    nearest = np.where(np.abs(track_t_s[left] - at_s) <= np.abs(track_t_s[right] - at_s), left, right)
    out = np.asarray(track_f0_hz, dtype=np.float64)[nearest]
    hop_s = float(np.median(np.diff(track_t_s))) if len(track_t_s) > 1 else REF_HOP_S
    out[np.abs(track_t_s[nearest] - at_s) > hop_s / 2 + 1e-9] = np.nan
    return out


def fine_error_cents(
    track_t_s: np.ndarray, track_f0_hz: np.ndarray, *, at_s: np.ndarray, ref_f0_hz: np.ndarray
) -> np.ndarray:
    """|log-F0 difference| in cents at the reference times, interpolating the track linearly in log-F0.

    Only frames where the reference and both neighbouring track frames are voiced, and the difference is
    below FINE_ERROR_MAX_CENTS, count. Sensitive to sub-hop time shifts, so it is the alignment criterion.
    """
    log_f0 = np.log2(np.where(_voiced(track_f0_hz), track_f0_hz, np.nan))
    values = np.interp(at_s, track_t_s, log_f0, left=np.nan, right=np.nan)
    ok = np.isfinite(values) & _voiced(ref_f0_hz)
    cents = 1200.0 * np.abs(values[ok] - np.log2(ref_f0_hz[ok]))
    return cents[cents < FINE_ERROR_MAX_CENTS]


# ---------------------------------------------------------------------------------------- trackers


@dataclass(frozen=True)
class Track:
    t_s: np.ndarray  # the time each frame describes, before any lag is applied
    f0_hz: np.ndarray  # NaN when unvoiced


TrackerFn = Callable[[np.ndarray], Track]


def _librosa_times(n_frames: int) -> np.ndarray:
    return np.arange(n_frames) * HOP / RATE_HZ  # center=True: frame i is centred on sample i * HOP


def track_calmcue(samples: np.ndarray) -> Track:
    from calmcue.analysis.offline import analyze_samples
    from calmcue.config.schema import Settings

    result = analyze_samples(samples, rate_hz=RATE_HZ, settings=Settings(), keep_frames=True)
    frames = result.frames
    return Track(
        np.asarray(frames["t_s"], dtype=np.float64), np.asarray(frames["agent"]["f0_hz"], dtype=np.float64)
    )


def track_pyin(samples: np.ndarray) -> Track:
    import librosa

    f0, voiced, _ = librosa.pyin(
        samples, fmin=F0_MIN_HZ, fmax=F0_MAX_HZ, sr=RATE_HZ, frame_length=LIBROSA_FRAME_LENGTH, hop_length=HOP
    )
    return Track(_librosa_times(len(f0)), np.where(voiced, f0, np.nan))


def track_yin(samples: np.ndarray, *, hop: int = HOP) -> Track:
    import librosa

    f0 = librosa.yin(
        samples, fmin=F0_MIN_HZ, fmax=F0_MAX_HZ, sr=RATE_HZ, frame_length=LIBROSA_FRAME_LENGTH, hop_length=hop
    )
    return Track(np.arange(len(f0)) * hop / RATE_HZ, f0.astype(np.float64))


def track_yin_gated(samples: np.ndarray) -> Track:
    import librosa

    track = track_yin(samples)
    rms = librosa.feature.rms(y=samples, frame_length=512, hop_length=HOP)[0]
    level_db = 20.0 * np.log10(rms + 1e-10)
    n = min(len(level_db), len(track.f0_hz))
    gate = level_db[:n] > level_db.max() - GATE_BELOW_PEAK_DB
    return Track(track.t_s[:n], np.where(gate, track.f0_hz[:n], np.nan))


TRACKERS: dict[str, tuple[TrackerFn, bool]] = {  # name -> (function, fit the lag)
    "calmcue": (track_calmcue, True),
    "librosa.pyin": (track_pyin, False),
    "librosa.yin": (track_yin, False),
    "librosa.yin+gate": (track_yin_gated, False),
}
TRACKER_ALIASES = {
    "ours": "calmcue",
    "pyin": "librosa.pyin",
    "yin": "librosa.yin",
    "yin+gate": "librosa.yin+gate",
}


# --------------------------------------------------------------------------------------- alignment


def fine_error_at(
    tracks: Sequence[Track], utterances: Sequence[Utterance], *, offset_s: float, lag_s: float = 0.0
) -> float:
    """Mean fine error (cents), reference frame 0 at ``offset_s``, track times shifted by ``lag_s``."""
    cents = [
        fine_error_cents(
            track.t_s - lag_s,
            track.f0_hz,
            at_s=reference_times_s(len(u.ref_f0_hz), offset_s=offset_s),
            ref_f0_hz=u.ref_f0_hz,
        )
        for track, u in zip(tracks, utterances, strict=True)
    ]
    joined = np.concatenate(cents) if cents else np.zeros(0)
    return float(np.mean(joined)) if joined.size else math.nan


def reference_offset_scan(
    utterances: Sequence[Utterance], *, offsets_s: np.ndarray
) -> list[dict[str, float]]:
    """Fine error and GPE of librosa.yin at a 1 ms hop for candidate times of reference frame 0."""
    tracks = [track_yin(u.samples, hop=RATE_HZ // 1000) for u in utterances]
    rows = []
    for offset_s in offsets_s:
        counts = np.array(
            [
                gross_error_counts(
                    sample_nearest(
                        t.t_s, t.f0_hz, at_s=reference_times_s(len(u.ref_f0_hz), offset_s=offset_s)
                    ),
                    u.ref_f0_hz,
                )
                for t, u in zip(tracks, utterances, strict=True)
            ]
        ).sum(axis=0)
        rows.append(
            {
                "offset_ms": round(1000 * float(offset_s), 2),
                "yin_fine_error_cents": round(fine_error_at(tracks, utterances, offset_s=float(offset_s)), 2),
                "yin_gpe_pct": round(100.0 * counts[0] / max(counts[1], 1), 2),
            }
        )
    return rows


def fit_lag_s(
    tracks: Sequence[Track], utterances: Sequence[Utterance], *, offset_s: float
) -> tuple[float, list[dict]]:
    """The shift (track time minus lag) that minimises the fine error, 1 ms steps over LAG_SEARCH_S."""
    lags_s = np.arange(round(LAG_SEARCH_S[0] * 1000), round(LAG_SEARCH_S[1] * 1000) + 1) / 1000.0
    scan = [
        {
            "lag_ms": round(1000 * lag),
            "fine_error_cents": fine_error_at(tracks, utterances, offset_s=offset_s, lag_s=lag),
        }
        for lag in lags_s
    ]
    best = min(
        scan, key=lambda row: row["fine_error_cents"] if not math.isnan(row["fine_error_cents"]) else math.inf
    )
    return best["lag_ms"] / 1000.0, scan


# ----------------------------------------------------------------------------------------- scoring


def score(
    tracks: Sequence[Track], utterances: Sequence[Utterance], *, offset_s: float, lag_s: float
) -> dict[str, Any]:
    """Pooled GPE and VDE, overall and per speaker, with the track sampled at the reference times."""
    totals: dict[str, np.ndarray] = {}
    for track, u in zip(tracks, utterances, strict=True):
        est = sample_nearest(
            track.t_s - lag_s, track.f0_hz, at_s=reference_times_s(len(u.ref_f0_hz), offset_s=offset_s)
        )
        counts = np.array([*gross_error_counts(est, u.ref_f0_hz), *voicing_error_counts(est, u.ref_f0_hz)])
        for key in ("all", u.speaker):
            totals[key] = totals.get(key, np.zeros(4, dtype=np.int64)) + counts
    return {
        key: {
            "gpe_pct": round(100.0 * c[0] / c[1], 2) if c[1] else None,
            "vde_pct": round(100.0 * c[2] / c[3], 2) if c[3] else None,
            "both_voiced_frames": int(c[1]),
            "frames": int(c[3]),
        }
        for key, c in sorted(totals.items())
    }


def run_tracker(fn: TrackerFn, utterances: Sequence[Utterance], *, name: str) -> list[Track]:
    tracks = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for u in tqdm(utterances, desc=name, unit="file", file=sys.stderr, leave=False, dynamic_ncols=True):
            tracks.append(fn(u.samples))
    return tracks


# -------------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 files (5 per speaker)")
    parser.add_argument("--trackers", default="calmcue,pyin,yin,yin+gate", help="comma list (default: all)")
    parser.add_argument("--lag-ms", type=float, help="use this lag for calmcue instead of fitting it")
    parser.add_argument("--data-dir", help="the shared data folder or its fda_ue subfolder")
    parser.add_argument("--json", metavar="OUT", help="write the figures as JSON ('-' = stdout)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the alignment scans")
    args = parser.parse_args(argv)
    names = [TRACKER_ALIASES.get(n.strip(), n.strip()) for n in args.trackers.split(",") if n.strip()]
    unknown = [n for n in names if n not in TRACKERS]
    if unknown or not names:
        parser.error(
            f"unknown tracker(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(TRACKERS)}"
        )
    args.trackers = names
    return args


def calmcue_available() -> bool:
    try:
        import calmcue.analysis.offline  # noqa: F401
    except ImportError:
        return False
    return True


def format_table(figures: dict[str, dict[str, Any]]) -> str:
    header = (
        f"{'tracker':<18}{'GPE %':>8}{'VDE %':>8}   {'rl GPE/VDE':<14}{'sb GPE/VDE':<14}{'frames':>8}  lag ms"
    )
    lines = [header]
    for name, entry in figures.items():
        s = entry["scores"]

        def pair(key: str, scores: dict[str, Any] = s) -> str:
            return f"{scores[key]['gpe_pct']:.1f}/{scores[key]['vde_pct']:.1f}" if key in scores else "-"

        lag = f"{entry['lag_ms']:+.0f}" + (
            " (fitted)" if entry["lag_fitted"] else f" (fit {entry['best_lag_ms']:+.0f})"
        )
        lines.append(
            f"{name:<18}{s['all']['gpe_pct']:>8.2f}{s['all']['vde_pct']:>8.2f}   "
            f"{pair('rl'):<14}{pair('sb'):<14}{s['all']['frames']:>8}  {lag}"
        )
    lines.append(
        f"goal (calmcue)    {'<= ' + str(GOALS['gpe_max_pct']):>8}{'<= ' + str(GOALS['vde_max_pct']):>8}"
    )
    lines.append(
        "issue figures     "
        + "; ".join(f"{name} {gpe} % / {vde} %" for name, (gpe, vde) in ISSUE_FIGURES.items())
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    folder = fda_ue_dir(args.data_dir)
    if not any(folder.glob("*.f0ref")):
        print(f"error: no *.f0ref files in {folder}; set CALMCUE_DATA or --data-dir", file=sys.stderr)
        return 2
    if "calmcue" in args.trackers and not calmcue_available():
        print(
            "note: calmcue.analysis.offline is not importable; skipping the calmcue tracker", file=sys.stderr
        )
        args.trackers.remove("calmcue")
    utterances = load_fda_ue(folder, limit_per_speaker=5 if args.quick else None)

    offset_scan = reference_offset_scan(utterances, offsets_s=np.arange(-15, 25.5, 0.5) / 1000.0)
    print_alignment(offset_scan, files=len(utterances))
    figures, scans = measure(args, utterances)
    print(format_table(figures))
    if args.verbose:
        for name, scan in scans.items():
            print(f"\nlag scan {name} (track time - lag vs reference; mean fine error in cents):")
            print("  " + ", ".join(f"{row['lag_ms']:+d}: {row['fine_error_cents']:.1f}" for row in scan[::3]))
    passed = goals_met(figures)
    if args.json:
        write_json(args.json, {
            "schema": 1,
            "files": len(utterances),
            "reference_offset_ms": 1000 * REF_OFFSET_S,
            "reference_offset_scan": offset_scan,
            "goals": GOALS,
            "issue_figures": {k: {"gpe_pct": v[0], "vde_pct": v[1]} for k, v in ISSUE_FIGURES.items()},
            "trackers": figures,
            "pass": passed,
        })
    return 0


def print_alignment(offset_scan: list[dict[str, Any]], *, files: int) -> None:
    best_offset = min(offset_scan, key=lambda row: row["yin_fine_error_cents"])
    candidates = [row for row in offset_scan if row["offset_ms"] in (0.0, 7.5)]
    print(f"reference alignment ({files} files, librosa.yin at a 1 ms hop):")
    for row in [*candidates, best_offset]:
        print(
            f"  frame 0 at {row['offset_ms']:+5.1f} ms: fine error {row['yin_fine_error_cents']:.1f} cents, "
            f"yin GPE {row['yin_gpe_pct']:.2f} %" + ("  <- best" if row is best_offset else "")
        )
    print(f"  scoring with frame k at 15k + {1000 * REF_OFFSET_S:.1f} ms\n")


def measure(args: argparse.Namespace, utterances: Sequence[Utterance]) -> tuple[dict[str, dict[str, Any]],
                                                                                 dict[str, list[dict]]]:
    """Each tracker's figures (with its fitted lag) and its lag scan."""
    figures: dict[str, dict[str, Any]] = {}
    scans: dict[str, list[dict]] = {}
    for name in args.trackers:
        fn, fit = TRACKERS[name]
        tracks = run_tracker(fn, utterances, name=name)
        best_lag_s, scans[name] = fit_lag_s(tracks, utterances, offset_s=REF_OFFSET_S)
        lag_s = (args.lag_ms / 1000.0 if args.lag_ms is not None else best_lag_s) if fit else 0.0
        figures[name] = {
            "lag_ms": round(1000 * lag_s, 1),
            "best_lag_ms": round(1000 * best_lag_s, 1),
            "lag_fitted": fit and args.lag_ms is None,
            "scores": score(tracks, utterances, offset_s=REF_OFFSET_S, lag_s=lag_s),
        }
    return figures, scans


def goals_met(figures: dict[str, dict[str, Any]]) -> bool | None:
    """Whether CalmCue's pitch track meets the goals (printed); None when it was not run."""
    ours = figures.get("calmcue", {}).get("scores", {}).get("all")
    passed = (
        None
        if ours is None
        else bool(ours["gpe_pct"] <= GOALS["gpe_max_pct"] and ours["vde_pct"] <= GOALS["vde_max_pct"])
    )
    if passed is not None:
        goal_text = f"GPE <= {GOALS['gpe_max_pct']} %, VDE <= {GOALS['vde_max_pct']} %"
        print(f"\ncalmcue goals ({goal_text}): {'pass' if passed else 'FAIL'}")
    return passed


def write_json(target: str, doc: dict[str, Any]) -> None:
    text = json.dumps(doc, indent=1)
    if target == "-":
        print(text)
    else:
        Path(target).write_text(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
