"""Pace benchmark (issue 13, item 6): does the speaking-rate feature follow tempo, and does "Slow down" follow pace?

Three checks on each RAVDESS actor's calm and neutral clips (the dev data; see ``sessions.py``):

1. Transcript counts: every RAVDESS sentence has 7 syllables ("Kids are talking by the door", "Dogs are sitting by
   the door"), so the true rate of a clip is 7 / its speech duration. The feature's nuclei per clip are compared.
2. Known tempo changes: the actor's calm speech, time-stretched with librosa (phase vocoder, pitch kept) by 1.2,
   1.35 and 1.6; the median rate estimate over it, divided by the estimate at natural pace. Goal: within 10 % of
   the tempo factor. librosa's default 2048-sample (128 ms) frames smear syllables at 16 kHz, so the stretch uses
   512-sample frames.
3. "Slow down": a session per actor of ~25 s natural calm speech (calibration), then 12 s stretches alternating
   natural pace and 1.35x. A stretch is flagged when a fast_speech episode overlaps [start, end + 1 s].
   Goals: >= 90 % of the 1.35x stretches, <= 5 % of the natural ones.

    python benchmarks/eval_detection_pace.py [--actors 1,2] [--stretches 6]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

try:  # imported as part of the repository (tests)
    from benchmarks import conditions, sessions
except ImportError:  # run as a script
    import conditions  # type: ignore[no-redef]
    import sessions  # type: ignore[no-redef]

SYLLABLES_PER_SENTENCE = 7
TEMPOS = (1.2, 1.35, 1.6)
FAST_TEMPO = 1.35
STRETCH_S = 12.0
CALIBRATION_S = 25.0
PAUSE_S = (0.3, 0.8)
RATE = sessions.RATE_HZ


def stretch(samples: np.ndarray, tempo: float) -> np.ndarray:
    """Faster by `tempo`, pitch kept (librosa's phase vocoder with 32 ms frames)."""
    import librosa

    if tempo == 1.0:
        return samples
    return librosa.effects.time_stretch(samples, rate=tempo, n_fft=512, hop_length=128).astype(np.float32)


def calm_speech(actor: int, *, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """The actor's calm clips in random order with short pauses, until `seconds` long."""
    clips = [c for c in sessions.actor_clips(actor) if c.calm_baseline]
    parts, total = [], 0.0
    while total < seconds:
        clip = clips[int(rng.integers(len(clips)))]
        pause = np.zeros(round(rng.uniform(*PAUSE_S) * RATE), np.float32)
        parts += [sessions.trimmed_clip(clip), pause]
        total += (len(parts[-2]) + len(pause)) / RATE
    return np.concatenate(parts)


def rate_track(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The engine's per-frame rate estimate and speech decision (features only, no detector)."""
    from calmcue.features.extractor import FeatureExtractor
    from calmcue.features.reframer import Reframer

    batch = FeatureExtractor(channels=1).process(Reframer(channels=1).push(samples[:, None]))
    return batch.rate_syl_s[:, 0], batch.speech_prob[:, 0] >= 0.5


def transcript_check(actor: int) -> tuple[float, float]:
    """(median estimated nuclei per clip, median transcript rate syl/s) over the actor's calm clips."""
    from calmcue.features.extractor import FeatureExtractor
    from calmcue.features.rate import SyllableRate
    from calmcue.features.reframer import Reframer
    from calmcue.features.spectral import power_spectrum, spectral_shape

    counts, true_rates = [], []
    for clip in (c for c in sessions.actor_clips(actor) if c.calm_baseline):
        samples = conditions.add_room_tone(sessions.trimmed_clip(clip), level_dbfs=-80.0, seed=1)
        windows = Reframer(channels=1).push(samples[:, None])
        batch = FeatureExtractor(channels=1).process(windows)
        band = spectral_shape(power_spectrum(windows)).band_db[:, 0]
        counter = SyllableRate()
        for i in range(len(band)):
            counter.step(float(band[i]), bool(batch.voiced[i, 0]), bool(batch.speech_prob[i, 0] >= 0.5))
        counts.append(counter.nuclei_seen)
        true_rates.append(SYLLABLES_PER_SENTENCE / (clip.speech_end_s - clip.speech_start_s))
    return float(np.median(counts)), float(np.median(true_rates))


def tempo_check(actor: int) -> dict[float, float]:
    """Median rate estimate at each tempo over the estimate at natural pace."""
    speech = calm_speech(actor, seconds=40.0, rng=np.random.default_rng(actor))
    medians = {}
    for tempo in (1.0, *TEMPOS):
        samples = conditions.add_room_tone(stretch(speech, tempo), level_dbfs=-80.0, seed=actor)
        rate, _ = rate_track(samples)
        medians[tempo] = float(np.nanmedian(rate))
    return {tempo: medians[tempo] / medians[1.0] for tempo in TEMPOS}


def slow_down_check(actor: int, *, n_stretches: int) -> tuple[list[bool], list[bool]]:
    """(flags of the 1.35x stretches, flags of the natural ones) in one session of this actor."""
    from calmcue.analysis.offline import analyze_samples

    rng = np.random.default_rng([actor, 7])
    pieces = [calm_speech(actor, seconds=CALIBRATION_S, rng=rng)]
    spans: list[tuple[float, float, bool]] = []
    at_s = len(pieces[0]) / RATE
    for index in range(n_stretches):
        fast = index % 2 == 1
        tempo = FAST_TEMPO if fast else 1.0
        piece = stretch(calm_speech(actor, seconds=STRETCH_S * tempo, rng=rng), tempo)
        pieces.append(piece)
        spans.append((at_s, at_s + len(piece) / RATE, fast))
        at_s += len(piece) / RATE
    samples = conditions.add_room_tone(np.concatenate(pieces), level_dbfs=-80.0, seed=actor)
    result = analyze_samples(samples, rate_hz=RATE, keep_frames=False)
    fast_eps = [e for e in result.episodes if e.kind == "fast_speech"]
    flags: dict[bool, list[bool]] = {True: [], False: []}
    for start_s, end_s, fast in spans:
        flags[fast].append(any(e.start_s < end_s + 1.0 and e.end_s > start_s for e in fast_eps))
    return flags[True], flags[False]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actors", default=",".join(str(a) for a in sessions.ACTORS))
    parser.add_argument("--stretches", type=int, default=6, help="12 s stretches per session (half at 1.35x)")
    args = parser.parse_args(argv)
    actors = [int(a) for a in args.actors.split(",")]
    if not (sessions.ravdess_dir() / "manifest.csv").is_file():
        print("error: RAVDESS manifest not found; set CALMCUE_DATA to the shared data folder", file=sys.stderr)
        return 2
    fast_flags: list[bool] = []
    natural_flags: list[bool] = []
    worst = 0.0
    print("actor  nuclei/clip (truth 7)  transcript syl/s  " + "  ".join(f"rate x{t}" for t in TEMPOS)
          + "  slow-down fast / natural")
    for actor in actors:
        nuclei, true_rate = transcript_check(actor)
        ratios = tempo_check(actor)
        worst = max(worst, *(abs(ratios[t] / t - 1.0) for t in TEMPOS))
        fast, natural = slow_down_check(actor, n_stretches=args.stretches)
        fast_flags += fast
        natural_flags += natural
        print(f"{actor:<7}{nuclei:<23.1f}{true_rate:<18.2f}" + "  ".join(f"{ratios[t]:<8.2f}" for t in TEMPOS)
              + f"  {sum(fast)}/{len(fast)} / {sum(natural)}/{len(natural)}")
    fast_pct = 100.0 * sum(fast_flags) / max(len(fast_flags), 1)
    natural_pct = 100.0 * sum(natural_flags) / max(len(natural_flags), 1)
    print(f"rate follows tempo: worst error {100 * worst:.0f} % (goal <= 10 %) "
          f"{'pass' if worst <= 0.10 else 'FAIL'}")
    print(f"slow down at 1.35x: {fast_pct:.0f} % of {len(fast_flags)} (goal >= 90 %) "
          f"{'pass' if fast_pct >= 90 else 'FAIL'}; at natural pace: {natural_pct:.0f} % of {len(natural_flags)} "
          f"(goal <= 5 %) {'pass' if natural_pct <= 5 else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
