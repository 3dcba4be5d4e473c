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
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

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
TUNED_ACTORS = (1, 2, 3)  # settings were chosen on these; 4-6 are held out


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


def transcript_check(actor: int, natural_rate: float) -> float:
    """The estimate at natural pace over the transcript rate (7 syllables / speech duration, median clip)."""
    true_rates = [SYLLABLES_PER_SENTENCE / (c.speech_end_s - c.speech_start_s)
                  for c in sessions.actor_clips(actor) if c.calm_baseline]
    return natural_rate / float(np.median(true_rates))


def tempo_check(actor: int) -> tuple[float, dict[float, float], float]:
    """(median estimate at natural pace, median at each tempo over it, 95th percentile of the natural track over
    its median: how far a steady pace wanders)."""
    speech = calm_speech(actor, seconds=40.0, rng=np.random.default_rng(actor))
    medians, wander = {}, 0.0
    for tempo in (1.0, *TEMPOS):
        samples = conditions.add_room_tone(stretch(speech, tempo), level_dbfs=-80.0, seed=actor)
        rate, _ = rate_track(samples)
        medians[tempo] = float(np.nanmedian(rate))
        if tempo == 1.0:
            wander = float(np.nanpercentile(rate, 95)) / medians[1.0]
    return medians[1.0], {tempo: medians[tempo] / medians[1.0] for tempo in TEMPOS}, wander


def cost_per_hop_us(seconds: float = 60.0) -> float:
    """Microseconds per hop of SyllableRate.step on speech frames (the rate's whole per-hop cost, amortised)."""
    from calmcue.features.rate import SyllableRate
    from calmcue.timebase import HOP_S

    hops = round(seconds / HOP_S)
    rng = np.random.default_rng(0)
    band = (-40.0 + 10.0 * np.sin(np.arange(hops) * 0.25) + rng.normal(0.0, 2.0, hops)).tolist()
    rate = SyllableRate()
    start = time.perf_counter()
    for value in band:
        rate.step(value, True, True)
    return 1e6 * (time.perf_counter() - start) / len(band)


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


@dataclass
class Half:
    """One half of the actors (tuned on, or held out): the figures the goals are about."""

    name: str
    worst_error: float = 0.0
    fast_flags: list[bool] = field(default_factory=list)
    natural_flags: list[bool] = field(default_factory=list)
    truth_ratios: list[float] = field(default_factory=list)

    def report(self) -> str:
        fast = 100.0 * sum(self.fast_flags) / max(len(self.fast_flags), 1)
        natural = 100.0 * sum(self.natural_flags) / max(len(self.natural_flags), 1)
        truth = f"{min(self.truth_ratios):.2f}-{max(self.truth_ratios):.2f}" if self.truth_ratios else "-"
        return (f"{self.name}: rate follows tempo: worst error {100 * self.worst_error:.0f} % (goal <= 10 %) "
                f"{'pass' if self.worst_error <= 0.10 else 'FAIL'}; slow down at {FAST_TEMPO}x: {fast:.0f} % of "
                f"{len(self.fast_flags)} (goal >= 90 %) {'pass' if fast >= 90 else 'FAIL'}; at natural pace: "
                f"{natural:.0f} % of {len(self.natural_flags)} (goal <= 5 %) {'pass' if natural <= 5 else 'FAIL'}; "
                f"estimate / transcript rate {truth}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actors", default=",".join(str(a) for a in sessions.ACTORS))
    parser.add_argument("--tuned", default=",".join(str(a) for a in TUNED_ACTORS),
                        help="actors the settings were tuned on; the others are reported as held out")
    parser.add_argument("--stretches", type=int, default=6, help="12 s stretches per session (half at 1.35x)")
    args = parser.parse_args(argv)
    try:
        actors = [int(a) for a in args.actors.split(",")]
        tuned = {int(a) for a in args.tuned.split(",") if a}
    except ValueError:
        print("error: --actors and --tuned take comma-separated actor numbers, e.g. 1,2,3", file=sys.stderr)
        return 2
    if not (sessions.ravdess_dir() / "manifest.csv").is_file():
        print("error: RAVDESS manifest not found; set CALMCUE_DATA to the shared data folder", file=sys.stderr)
        return 2
    halves = {True: Half("tuned on"), False: Half("held out")}
    print("actor  half      rate at x1  /transcript  95th pct/median  " + "  ".join(f"rate x{t}" for t in TEMPOS)
          + "  slow-down fast / natural")
    for actor in actors:
        half = halves[actor in tuned]
        natural_rate, ratios, wander = tempo_check(actor)
        truth = transcript_check(actor, natural_rate)
        half.truth_ratios.append(truth)
        half.worst_error = max(half.worst_error, *(abs(ratios[t] / t - 1.0) for t in TEMPOS))
        fast, natural = slow_down_check(actor, n_stretches=args.stretches)
        half.fast_flags += fast
        half.natural_flags += natural
        print(f"{actor:<7}{half.name:<10}{natural_rate:<12.2f}{truth:<13.2f}{wander:<17.2f}"
              + "  ".join(f"{ratios[t]:<8.2f}" for t in TEMPOS)
              + f"  {sum(fast)}/{len(fast)} / {sum(natural)}/{len(natural)}")
    for half in halves.values():
        if half.fast_flags:
            print(half.report())
    print(f"rate cost: {cost_per_hop_us():.1f} us per hop per channel (SyllableRate.step, amortised over 60 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
