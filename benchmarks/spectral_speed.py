"""Issue 13 item 6, branch velocity13: is the SPEED of the spectrum a better pace measure than rate.py?

Played (or spoken) faster, the same spectral trajectory is traversed faster, so the mean absolute change of a
smoothed log spectrum over a fixed span per second should move in proportion to tempo, and it is not a count, so
it may vary less between natural sentences than a syllable count does. This script measures that against the
shipped rate (features/rate.py) on the pace benchmark's material (eval_detection_pace.py's voices):

- tempo following: the same 40 s at 1.0 / 1.2 / 1.35 / 1.6x (librosa, pitch kept); each measure's median over its
  6.5 s speech window at each tempo over its median at 1.0x, error |ratio / tempo - 1|;
- steady-pace spread: NATURAL_S of the speaker at natural pace, the windowed reading sampled every second: its
  95th percentile over its median, and the sd of its log;
- d' = ln(median ratio at 1.35x) / that sd: how far apart 1.35x and natural stand in units of natural wander.

The engine's features (speech, voicing, the shipped rate) and a log-mel spectrum of the same 32 ms windows are
cached per speaker, tempo and condition under --cache, so the measures' variants re-run in seconds.

    CALMCUE_DATA=/work/shared/data nice python benchmarks/spectral_speed.py [--corpus both] [--condition clean]
        [--cache /tmp/cc-speed] [--rows]

Measured, not shipped: benchmarks/results/detection_velocity13.txt has the figures.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import soxr

try:  # imported as part of the repository (tests)
    from benchmarks import conditions
    from benchmarks import eval_detection_pace as pace
except ImportError:  # run as a script
    import conditions  # type: ignore[no-redef]
    import eval_detection_pace as pace  # type: ignore[no-redef]

from calmcue.timebase import ANALYSIS_RATE_HZ, HOP_S, LEVEL_WINDOW

TEMPO_S = 40.0
NATURAL_S = 120.0
WINDOW_S = 6.5
MEL_BANDS = 20
MEL_RANGE_HZ = (300.0, 3400.0)


def mel_matrix(*, bands: int = MEL_BANDS, range_hz: tuple[float, float] = MEL_RANGE_HZ) -> np.ndarray:
    """(257, bands) triangular mel filters over the 32 ms power spectrum's bins."""
    def mel(f: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + f / 700.0)

    edges_mel = np.linspace(mel(np.array(range_hz[0])), mel(np.array(range_hz[1])), bands + 2)
    edges = 700.0 * (10.0 ** (edges_mel / 2595.0) - 1.0)
    bins = np.fft.rfftfreq(LEVEL_WINDOW, 1.0 / ANALYSIS_RATE_HZ)
    out = np.zeros((bins.size, bands))
    for b in range(bands):
        lo, mid, hi = edges[b], edges[b + 1], edges[b + 2]
        out[:, b] = np.clip(np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)), 0.0, None)
    return out


def frames(samples: np.ndarray, rate_hz: int) -> dict[str, np.ndarray]:
    """The engine's speech, voicing and shipped rate per frame, and the log-mel power (dB) of the same windows."""
    from calmcue.features.extractor import FeatureExtractor
    from calmcue.features.reframer import Reframer
    from calmcue.features.spectral import power_spectrum

    if rate_hz != ANALYSIS_RATE_HZ:
        samples = soxr.resample(samples, rate_hz, ANALYSIS_RATE_HZ).astype(np.float32)
    windows = Reframer(channels=1).push(samples[:, None])
    batch = FeatureExtractor(channels=1, rate_window_s=WINDOW_S).process(windows)
    power = power_spectrum(windows)[:, 0, :]
    mel = 10.0 * np.log10(power @ mel_matrix() + 1e-20)
    return {"speech": batch.speech_prob[:, 0] >= 0.5, "voiced": batch.voiced[:, 0], "rate": batch.rate_syl_s[:, 0],
            "mel": mel.astype(np.float32), "level": batch.level_dbfs[:, 0]}


def cached(path: Path, make: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if path.is_file():
        with np.load(path) as data:
            return {k: data[k] for k in data.files}
    out = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **out)
    return out


def voice_frames(voice: pace.Voice, *, condition: str, cache: Path) -> dict[str, dict[str, np.ndarray]]:
    """Frames of the speaker's 40 s at each tempo and of NATURAL_S at natural pace (seeded like the eval)."""
    def material(seconds: float, tempo: float, seed: list[int] | int) -> Callable[[], dict[str, np.ndarray]]:
        def make() -> dict[str, np.ndarray]:
            speech, _ = voice.at_tempo(seconds, tempo, np.random.default_rng(seed))
            samples = conditions.add_room_tone(speech, level_dbfs=-80.0, seed=voice.seed)
            samples, rate_hz = conditions.apply_condition(samples, pace.RATE, condition, voice.seed)
            return frames(samples, rate_hz)
        return make

    name = voice.name.replace(" ", "")
    out = {f"{t}": cached(cache / f"{name}-{condition}-{t}.npz", material(TEMPO_S, t, voice.seed))
           for t in (1.0, *pace.TEMPOS)}
    out["natural"] = cached(cache / f"{name}-{condition}-natural.npz",
                            material(NATURAL_S, 1.0, [voice.seed, 23]))
    return out


# ---- measures: per-frame values and which frames they count on; the reading is their mean over WINDOW_S of speech


def spectral_speed(f: dict[str, np.ndarray], *, lag: int = 3, floor_below_db: float = 45.0,
                   frames_kind: str = "voiced", smooth: int = 1, noise_margin_db: float = 6.0) -> np.ndarray:
    """Per frame: mean over bands of |log-mel change over `lag` frames| / (lag hops), dB per second; each band's
    dB floored at the frame's peak band - floor_below_db and at its noise floor + noise_margin_db (the 10th
    percentile of the band over the whole file: an offline stand-in for a minimum tracker), so noise does not
    move it. NaN where the frame or the one `lag` before is not counted."""
    mel = f["mel"].astype(np.float64)
    if smooth > 1:  # moving mean over time
        kernel = np.full(smooth, 1.0 / smooth)
        mel = np.apply_along_axis(lambda x: np.convolve(x, kernel, mode="same"), 0, mel)
    noise = np.percentile(mel, 10, axis=0) + noise_margin_db
    floored = np.maximum(mel, mel.max(axis=1, keepdims=True) - floor_below_db)
    floored = np.maximum(floored, noise[None, :])
    change = np.full(len(mel), np.nan)
    change[lag:] = np.abs(floored[lag:] - floored[:-lag]).mean(axis=1) / (lag * HOP_S)
    counted = f["voiced"] if frames_kind == "voiced" else f["speech"]
    ok = counted.copy()
    ok[lag:] &= counted[:-lag]
    ok[:lag] = False
    change[~ok] = np.nan
    return change


def windowed_mean(values: np.ndarray, speech: np.ndarray, *, window_s: float = WINDOW_S) -> np.ndarray:
    """At each speech frame, the mean of the finite values over the last window_s of speech frames (NaN elsewhere
    and until 2.56 s of speech were heard)."""
    index = np.flatnonzero(speech)
    vals = values[index]
    finite = np.isfinite(vals)
    csum = np.concatenate([[0.0], np.cumsum(np.where(finite, vals, 0.0))])
    ccount = np.concatenate([[0], np.cumsum(finite)])
    n = round(window_s / HOP_S)
    at = np.arange(1, len(index) + 1)
    start = np.maximum(at - n, 0)
    count = ccount[at] - ccount[start]
    mean = (csum[at] - csum[start]) / np.maximum(count, 1)
    mean[(at < 256) | (count == 0)] = np.nan
    out = np.full(len(values), np.nan)
    out[index] = mean
    return out


def shipped(f: dict[str, np.ndarray]) -> np.ndarray:
    out = f["rate"].copy()
    out[~f["speech"]] = np.nan
    return out


def speed_reading(**kwargs: object) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    def read(f: dict[str, np.ndarray]) -> np.ndarray:
        return windowed_mean(spectral_speed(f, **kwargs), f["speech"])  # type: ignore[arg-type]
    return read


def geo(weight: float, other: Callable[[dict[str, np.ndarray]], np.ndarray]
        ) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    """Weighted geometric mean of the shipped rate and another reading (`weight` on the other)."""
    def read(f: dict[str, np.ndarray]) -> np.ndarray:
        return np.exp(weight * np.log(other(f)) + (1.0 - weight) * np.log(shipped(f)))
    return read


def stream_reading(**constants: float) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    """spectral_pace.py's SpectralPace over the cached frames (its module constants overridden)."""
    try:  # imported as part of the repository
        from benchmarks import spectral_pace
    except ImportError:  # run as a script
        import spectral_pace  # type: ignore[no-redef]

    def read(f: dict[str, np.ndarray]) -> np.ndarray:
        saved = {name: getattr(spectral_pace, name) for name in constants}
        for name, value in constants.items():
            setattr(spectral_pace, name, value)
        try:
            out = spectral_pace.SpectralPace(window_speech_s=WINDOW_S).process(
                f["mel"].astype(np.float64), f["voiced"], f["speech"])
        finally:
            for name, value in saved.items():
                setattr(spectral_pace, name, value)
        out[~f["speech"]] = np.nan
        return out
    return read


def figures(per_voice: dict[str, dict[str, dict[str, np.ndarray]]],
            reading: Callable[[dict[str, np.ndarray]], np.ndarray]) -> dict[str, tuple[list[float], float, float]]:
    """Per voice: (ratio at each tempo over 1.0x, 95th pct / median at natural pace, sd of its log)."""
    out = {}
    for name, sets in per_voice.items():
        base = float(np.nanmedian(reading(sets["1.0"])))
        ratios = [float(np.nanmedian(reading(sets[f"{t}"]))) / base for t in pace.TEMPOS]
        natural = reading(sets["natural"])
        sampled = natural[::100]
        sampled = sampled[np.isfinite(sampled)]
        median = float(np.median(sampled))
        out[name] = (ratios, float(np.percentile(sampled, 95)) / median, float(np.std(np.log(sampled))))
    return out


def summary(rows: dict[str, tuple[list[float], float, float]], names: list[str]) -> str:
    errors = [abs(r / t - 1.0) for n in names for r, t in zip(rows[n][0], pace.TEMPOS, strict=True)]
    spread = [rows[n][1] for n in names]
    dprime = [np.log(rows[n][0][1]) / rows[n][2] for n in names]
    at135 = [rows[n][0][1] for n in names]
    return (f"err med {100 * np.median(errors):4.1f} 90th {100 * np.percentile(errors, 90):4.1f} worst "
            f"{100 * max(errors):4.1f} %  x1.35 reads {min(at135):.2f}-{max(at135):.2f}  95th/med "
            f"{np.median(spread):.2f} (max {max(spread):.2f})  d' {np.median(dprime):.2f} (min {min(dprime):.2f})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=("ravdess", "librispeech", "both", "tts", "all"), default="both")
    parser.add_argument("--condition", default="clean")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/cc-speed"))
    parser.add_argument("--rows", action="store_true", help="also print every speaker's row")
    args = parser.parse_args(argv)
    voices = pace.voices(argparse.Namespace(corpus=args.corpus, actors="1,2,3,4,5,6", tuned="1,2,3"))
    per_voice = {v.name: voice_frames(v, condition=args.condition, cache=args.cache) for v in voices}
    halves: dict[str, list[str]] = {}
    for v in voices:
        halves.setdefault(f"{v.corpus} {'tuned' if v.tuned else 'held out'}", []).append(v.name)
    measures = {
        "rate.py (shipped)": shipped,
        "speed: mean |log-mel change| over 30 ms, voiced": speed_reading(lag=3),
        "pace: spectral correlation time (spectral_pace.py)": stream_reading(),
        "geometric mean of rate.py and the pace": geo(0.5, stream_reading()),
    }
    for label, reading in measures.items():
        rows = figures(per_voice, reading)
        print(f"== {label}")
        for half, names in halves.items():
            print(f"  {half:<22}{summary(rows, names)}")
        if args.rows:
            for name, (ratios, spread, sd) in rows.items():
                print(f"    {name:<14}" + " ".join(f"{r:.2f}" for r in ratios) + f"  spread {spread:.2f} sd {sd:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
