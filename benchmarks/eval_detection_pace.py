"""Pace benchmark (issue 13, item 6): does the speaking-rate feature follow tempo, and does "Slow down" follow pace?

Three checks on each RAVDESS actor's calm and neutral clips (the dev data; see ``sessions.py``) and on each
LibriSpeech test-other reader's read speech (steadier in pace than RAVDESS takes; ``librispeech_pace.py``, no
transcripts there, so no check 1), reported per corpus for the speakers the settings were tuned on (RAVDESS
--tuned, default 1-3; LibriSpeech the first five readers by id) and for the held-out ones apart:

1. Transcript rate: every RAVDESS sentence has 7 syllables ("Kids are talking by the door", "Dogs are sitting by
   the door"), so the true rate of a clip is 7 / its speech duration. Printed: the median estimate over 40 s of
   the actor's calm speech over the median clip's true rate ("/transcript"), and how far the per-frame estimate
   wanders at a steady pace (its 95th percentile over its median).
2. Known tempo changes: the same 40 s time-stretched with librosa (phase vocoder, pitch kept) by 1.2, 1.35 and
   1.6; the median rate estimate over it (read over the cue's own window, fast_speech.window_speech_s), divided by
   the estimate at natural pace. Goal: within 10 % of the tempo factor; the error's median, 90th percentile and
   worst over the half's speakers and tempos are reported. librosa's default 2048-sample (128 ms) frames smear
   syllables at 16 kHz, so the stretch uses 512-sample frames.
3. "Slow down": a session per speaker of ~25 s natural speech (calibration), then 12 s stretches alternating
   natural pace and 1.35x, through the whole engine (analyze_samples, default settings unless --enter,
   --min-s or --window-s).
   "onset": the cue comes in (a fast_speech episode becomes active) within [start, end + 1 s) of the stretch;
   "overlap": a fast_speech episode overlaps [start, end + 1 s] (an episode begun in a fast stretch and lasting
   into the next natural one, by the rate window's lag, flags that one too). Goals: >= 90 % of the 1.35x
   stretches, <= 5 % of the natural ones.
   Beside the goals, each RAVDESS half is scored by what its stretches ARE: the share with an onset, and with the
   transcript oracle's flag, per band of the stretch's true rate over the speaker's usual one (7 syllables a
   sentence over all their calm clips' speech time): CURVE_BANDS, curve_report. LibriSpeech stores no
   transcripts, so it is not in the curve.

Speech SPOKEN faster ("TTS spoken" rows, ``tts_pace.py``): every fast stretch above is natural speech played
faster, which keeps each syllable's shape and each pause's share; a person talking faster also shortens pauses
and reduces and merges syllables. So 11 text-to-speech voices (espeak-ng, GPL-3.0-or-later, and flite, BSD-like;
Debian packages, run as programs; the audio is generated per run and never stored) read the same prose at their
default rate and at 1.2, 1.35 and 1.6 times it, and the truth is the measured duration ratio of the same
sentences (espeak-ng asked for 1.35 speaks 1.26-1.35x). Checks 2 and 3 run on them as on the others, with the
stretches spoken at the tempo instead of stretched to it; no transcript check. Tuned on: espeak-ng en+m3, de+f2,
fr+m4 and flite slt; the other seven are held out.

The last line is the rate's cost per hop (its step, amortised).

    python benchmarks/eval_detection_pace.py [--corpus all|both|ravdess|librispeech|tts] [--actors 1,2] [--tuned 1,2,3]
        [--stretches 10] [--enter 1.175] [--min-s 1] [--window-s 6.5] [--no-tempo] [--natural-s 300]
        [--condition clean|phone|gain-18|noise10|gainstep12] [--rate shipped|learned]

--rate learned measures benchmarks/learned_rate.py's estimator (learned from pairs, benchmarks/train_rate.py) in
place of rate.py's; it was measured and not shipped (benchmarks/results/detection_pace7.txt).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from calmcue.config.schema import Settings

try:  # imported as part of the repository (tests)
    from benchmarks import conditions, librispeech_pace, sessions, tts_pace
except ImportError:  # run as a script
    import conditions  # type: ignore[no-redef]
    import librispeech_pace  # type: ignore[no-redef]
    import sessions  # type: ignore[no-redef]
    import tts_pace  # type: ignore[no-redef]

SYLLABLES_PER_SENTENCE = 7
TEMPOS = (1.2, 1.35, 1.6)
FAST_TEMPO = 1.35
STRETCH_S = 12.0
CALIBRATION_S = 25.0
PAUSE_S = (0.3, 0.8)
RATE = sessions.RATE_HZ
ORACLE_RATIO = FAST_TEMPO ** 0.5
TUNED_ACTORS = (1, 2, 3)  # settings were chosen on these; 4-6 are held out


def stretch(samples: np.ndarray, tempo: float) -> np.ndarray:
    """Faster by `tempo`, pitch kept (librosa's phase vocoder with 32 ms frames)."""
    import librosa

    if tempo == 1.0:
        return samples
    return librosa.effects.time_stretch(samples, rate=tempo, n_fft=512, hop_length=128).astype(np.float32)


def calm_speech(actor: int, *, seconds: float, rng: np.random.Generator,
                chosen: list[sessions.ClipInfo] | None = None) -> np.ndarray:
    """The actor's calm clips in random order with short pauses, until `seconds` long (each clip used is appended
    to `chosen` when given)."""
    clips = [c for c in sessions.actor_clips(actor) if c.calm_baseline]
    parts, total = [], 0.0
    while total < seconds:
        clip = clips[int(rng.integers(len(clips)))]
        if chosen is not None:
            chosen.append(clip)
        pause = np.zeros(round(rng.uniform(*PAUSE_S) * RATE), np.float32)
        parts += [sessions.trimmed_clip(clip), pause]
        total += (len(parts[-2]) + len(pause)) / RATE
    return np.concatenate(parts)


def transcript_rate(clips: list[sessions.ClipInfo]) -> float:
    """True syllables per second of speech over these clips (7 a sentence)."""
    return SYLLABLES_PER_SENTENCE * len(clips) / sum(c.speech_end_s - c.speech_start_s for c in clips)


def rate_track(samples: np.ndarray, *, window_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The engine's per-frame rate estimate over `window_s` of speech (default: the fast_speech setting's) and its
    speech decision (features only, no detector)."""
    from calmcue.features.extractor import FeatureExtractor
    from calmcue.features.reframer import Reframer

    window_s = Settings().detector.fast_speech.window_speech_s if window_s is None else window_s
    batch = FeatureExtractor(channels=1, rate_window_s=window_s).process(Reframer(channels=1).push(samples[:, None]))
    return batch.rate_syl_s[:, 0], batch.speech_prob[:, 0] >= 0.5


def transcript_check(actor: int, natural_rate: float) -> float:
    """The estimate at natural pace over the transcript rate (7 syllables / speech duration, median clip)."""
    true_rates = [SYLLABLES_PER_SENTENCE / (c.speech_end_s - c.speech_start_s)
                  for c in sessions.actor_clips(actor) if c.calm_baseline]
    return natural_rate / float(np.median(true_rates))


def tempo_check(voice: Voice, *, window_s: float) -> tuple[float, dict[float, float], dict[float, float], float]:
    """(median estimate at natural pace, median at each tempo over it, the true tempo of each, 95th percentile of
    the natural track over its median: how far a steady pace wanders) on 40 s of one speaker's speech (the same
    words at every tempo), over the cue's window."""
    medians, truth, wander = {}, {}, 0.0
    for tempo in (1.0, *TEMPOS):
        speech, truth[tempo] = voice.at_tempo(40.0, tempo, np.random.default_rng(voice.seed))
        samples = conditions.add_room_tone(speech, level_dbfs=-80.0, seed=voice.seed)
        rate, _ = rate_track(samples, window_s=window_s)
        medians[tempo] = float(np.nanmedian(rate))
        if tempo == 1.0:
            wander = float(np.nanpercentile(rate, 95)) / medians[1.0]
    return (medians[1.0], {tempo: medians[tempo] / medians[1.0] for tempo in TEMPOS},
            {tempo: truth[tempo] for tempo in TEMPOS}, wander)


def use_rate(kind: str) -> None:
    """Makes the engine's trackers use rate.py's estimator ("shipped") or benchmarks/learned_rate.py's ("learned",
    measured, not shipped): the same step interface, swapped in this process only."""
    import calmcue.features.trackers as trackers
    from calmcue.features.rate import SyllableRate

    try:  # imported as part of the repository (tests)
        from benchmarks import learned_rate
    except ImportError:  # run as a script
        import learned_rate  # type: ignore[no-redef]
    trackers.SyllableRate = learned_rate.LearnedRate if kind == "learned" else SyllableRate  # type: ignore[misc]


def cost_per_hop_us(seconds: float = 60.0) -> float:
    """Microseconds per hop of the rate's step on speech frames (the syllable rate's whole per-hop cost,
    amortised)."""
    from calmcue.features.trackers import SyllableRate
    from calmcue.timebase import HOP_S

    hops = round(seconds / HOP_S)
    rng = np.random.default_rng(0)
    band = (-40.0 + 10.0 * np.sin(np.arange(hops) * 0.25) + rng.normal(0.0, 2.0, hops)).tolist()
    rate = SyllableRate(window_speech_s=Settings().detector.fast_speech.window_speech_s)
    start = time.perf_counter()
    for value in band:
        rate.step(value, True, True)
    return 1e6 * (time.perf_counter() - start) / len(band)


def pace_cost_per_hop_us(seconds: float = 60.0) -> float:
    """Microseconds per hop of the spectral pace (benchmarks/spectral_pace.py, measured and not shipped) fed one
    speech hop at a time, as live: its log-mel of the hop's power spectrum and its step, amortised (two thirds of
    the hops voiced)."""
    from calmcue.timebase import HOP_S

    try:  # imported as part of the repository (tests)
        from benchmarks.spectral_pace import SpectralPace, log_mel_db
    except ImportError:  # run as a script
        from spectral_pace import SpectralPace, log_mel_db  # type: ignore[no-redef]

    hops = round(seconds / HOP_S)
    rng = np.random.default_rng(0)
    power = np.square(rng.normal(size=(hops, 1, 257))) * (1.0 + np.sin(np.arange(hops) * 0.25))[:, None, None]
    voiced = list(rng.random((hops, 1)) > 1.0 / 3.0)
    speech = np.ones(1, bool)
    pace = SpectralPace(window_speech_s=Settings().detector.fast_speech.window_speech_s)
    start = time.perf_counter()
    for hop_power, hop_voiced in zip(power, voiced, strict=True):
        pace.process(log_mel_db(hop_power), hop_voiced, speech)
    return 1e6 * (time.perf_counter() - start) / hops


def pace_settings(*, enter: float | None, min_s: float | None, window_s: float | None = None) -> Settings:
    """The default settings, with the fast_speech ratio, duration and window overridden where given (tuning)."""
    settings = Settings()
    fast = settings.detector.fast_speech
    fast = replace(fast, rate_ratio_enter=fast.rate_ratio_enter if enter is None else enter,
                   min_s=fast.min_s if min_s is None else min_s,
                   window_speech_s=fast.window_speech_s if window_s is None else window_s)
    return replace(settings, detector=replace(settings.detector, fast_speech=fast))


@dataclass(frozen=True)
class Voice:
    """One speaker of either corpus: where the calibration and the stretches' speech come from.

    Each source returns (samples, transcript syllables per second of speech, NaN where no transcript is stored).
    `spoken` (text-to-speech only) gives speech spoken at a tempo rather than stretched to it: (natural_s, tempo,
    rng) -> (samples, the true tempo measured on them); None: natural speech, played faster with `stretch`.
    """

    name: str
    corpus: str
    tuned: bool
    seed: int
    calibration: Callable[[np.random.Generator], tuple[np.ndarray, float]]
    speech: Callable[[float, np.random.Generator], tuple[np.ndarray, float]]
    spoken: Callable[[float, float, np.random.Generator], tuple[np.ndarray, float]] | None = None
    usual_rate: float = float("nan")  # transcript syllables per second over all the speaker's calm clips

    def at_tempo(self, natural_s: float, tempo: float, rng: np.random.Generator) -> tuple[np.ndarray, float]:
        """(samples, true tempo) of speech lasting `natural_s` at natural pace, `tempo` times faster."""
        if self.spoken is not None:
            return self.spoken(natural_s, tempo, rng)
        return stretch(self.speech(natural_s, rng)[0], tempo), tempo


def ravdess_voice(actor: int, *, tuned: bool) -> Voice:
    def source(seconds: float, rng: np.random.Generator) -> tuple[np.ndarray, float]:
        chosen: list[sessions.ClipInfo] = []
        return calm_speech(actor, seconds=seconds, rng=rng, chosen=chosen), transcript_rate(chosen)

    usual = transcript_rate([c for c in sessions.actor_clips(actor) if c.calm_baseline])
    return Voice(f"actor {actor}", "RAVDESS", tuned, actor, lambda rng: source(CALIBRATION_S, rng), source,
                 usual_rate=usual)


def librispeech_voice(reader: str, *, tuned: bool) -> Voice:
    calibration, pool = librispeech_pace.split(reader)
    return Voice(f"reader {reader}", "LibriSpeech", tuned, int(reader),
                 lambda rng: (librispeech_pace.joined(calibration, rng=rng), float("nan")),
                 lambda seconds, rng: (librispeech_pace.pool_speech(pool, seconds=seconds, rng=rng), float("nan")))


def tts_voice(voice: tts_pace.TtsVoice, seed: int) -> Voice:
    def speech(seconds: float, rng: np.random.Generator) -> tuple[np.ndarray, float]:
        return tts_pace.spoken(voice, natural_s=seconds, tempo=1.0, rng=rng)[0], float("nan")

    def spoken(natural_s: float, tempo: float, rng: np.random.Generator) -> tuple[np.ndarray, float]:
        return tts_pace.spoken(voice, natural_s=natural_s, tempo=tempo, rng=rng)

    def calibration(rng: np.random.Generator) -> tuple[np.ndarray, float]:
        return tts_pace.spoken(voice, natural_s=tts_pace.CALIBRATION_S, tempo=1.0, rng=rng,
                               calibration=True)[0], float("nan")

    return Voice(voice.name, "TTS spoken", voice.tuned, seed, calibration, speech, spoken)


def conditioned(samples: np.ndarray, *, condition: str, seed: int, calibration_s: float) -> tuple[np.ndarray, int]:
    """A session in one of benchmarks/conditions.py's recording conditions (noise: 10 dB under the speaker's
    level over the calibration), with the rate it is at (the phone band is at 8 kHz)."""
    return conditions.apply_condition(samples, RATE, condition, seed, level_span_s=(0.0, calibration_s))


class CurvePoint(NamedTuple):
    """One stretch scored by what it is: its true syllable rate (transcript) over the speaker's usual one."""

    true_over_usual: float
    onset: bool  # "Slow down" came in (slow_down_check's "onset")
    oracle: bool  # the transcript oracle's flag
    start_s: float  # where the stretch is in its session
    end_s: float


def slow_down_check(voice: Voice, *, n_stretches: int, settings: Settings,
                    true_ratios: list[tuple[bool, float]],
                    condition: str = "clean",
                    curve: list[CurvePoint] | None = None) -> dict[str, tuple[list[bool], list[bool]]]:
    """Flags of the 1.35x stretches and of the natural ones in one session of this speaker, two or three ways:

    "onset": "Slow down" comes in (an episode becomes active, min_s after it started) within [start, end + 1 s)
    of the stretch (each onset counts for one stretch: the earliest that holds it);
    "overlap": any fast_speech episode overlaps [start, end + 1 s], so an episode begun in a fast stretch that
    lasts into the next natural one (the rate is that of the last seconds of speech) flags that one too;
    "transcript oracle" (RAVDESS only): the stretch's true syllable rate (7 a sentence over the clips' speech time,
    times the tempo) over the calibration's reaches ORACLE_RATIO (halfway between 1 and 1.35 on a log scale) -
    what an exact counter over the whole stretch would do. RAVDESS takes vary in pace (per-clip rate CV 12-27 %),
    so a natural stretch is not exactly 1.0x and a fast one not exactly 1.35x: this is the ceiling of the goals.
    The cue limiter's cooldown is left out: it would hide the repeats this session is made of.
    `curve` (speakers with a usual transcript rate): gets a CurvePoint per stretch.
    """
    from calmcue.analysis.offline import analyze_samples

    rng = np.random.default_rng([voice.seed, 7])
    calibration, calibration_rate = voice.calibration(rng)
    pieces = [calibration]
    spans: list[tuple[float, float, bool]] = []
    at_s = len(pieces[0]) / RATE
    for index in range(n_stretches):
        fast = index % 2 == 1
        tempo = FAST_TEMPO if fast else 1.0
        if voice.spoken is not None:  # spoken at the tempo; its truth is the measured duration ratio
            piece, true_tempo = voice.spoken(STRETCH_S * tempo, tempo, rng)
            true_ratios.append((fast, true_tempo))
        else:
            source, source_rate = voice.speech(STRETCH_S * tempo, rng)
            piece = stretch(source, tempo)
            true_ratios.append((fast, tempo * source_rate / calibration_rate))
        pieces.append(piece)
        spans.append((at_s, at_s + len(piece) / RATE, fast))
        at_s += len(piece) / RATE
    samples = conditions.add_room_tone(np.concatenate(pieces), level_dbfs=-80.0, seed=voice.seed)
    samples, rate_hz = conditioned(samples, condition=condition, seed=voice.seed, calibration_s=len(pieces[0]) / RATE)
    result = analyze_samples(samples, rate_hz=rate_hz, settings=settings, keep_frames=False)
    fast_eps = [e for e in result.episodes if e.kind == "fast_speech"]
    onsets = [e.start_s + settings.detector.fast_speech.min_s for e in fast_eps]
    owner = [next((i for i, (a, b, _) in enumerate(spans) if a <= t < b + 1.0), -1) for t in onsets]
    ways = ("onset", "overlap") + (("transcript oracle",) if np.isfinite(calibration_rate) else ())
    out: dict[str, tuple[list[bool], list[bool]]] = {}
    for way in ways:
        flags: dict[bool, list[bool]] = {True: [], False: []}
        for index, (start_s, end_s, fast) in enumerate(spans):
            if way == "onset":
                flags[fast].append(index in owner)
            elif way == "overlap":
                flags[fast].append(any(e.start_s < end_s + 1.0 and e.end_s > start_s for e in fast_eps))
            else:  # an exact syllable count over the whole stretch, no lag, the best threshold: the eval's ceiling
                flags[fast].append(true_ratios[index][1] >= ORACLE_RATIO)
        out[way] = (flags[True], flags[False])
    if curve is not None and np.isfinite(voice.usual_rate):
        onset_flags = [index in owner for index in range(len(spans))]
        oracle_flags = [ratio >= ORACLE_RATIO for _, ratio in true_ratios]
        curve.extend(CurvePoint(ratio * calibration_rate / voice.usual_rate, onset, oracle, start_s, end_s)
                     for (_, ratio), onset, oracle, (start_s, end_s, _) in zip(
                         true_ratios, onset_flags, oracle_flags, spans, strict=True))
    return out


def natural_cues(voice: Voice, *, seconds: float, settings: Settings,
                 condition: str = "clean") -> tuple[int, int, float]:
    """(fast_speech episodes, "Slow down" cues shown, minutes) in a session of the calibration then `seconds` of
    this speaker at their natural pace only: what a false cue costs an agent who never speeds up, with the cue
    limiter's cooldown and hourly cap in force (the cues) and without (the episodes)."""
    from calmcue.analysis.offline import analyze_samples

    rng = np.random.default_rng([voice.seed, 11])
    calibration, _ = voice.calibration(rng)
    natural, _ = voice.speech(seconds, rng)
    samples = conditions.add_room_tone(np.concatenate([calibration, natural]), level_dbfs=-80.0, seed=voice.seed)
    samples, rate_hz = conditioned(samples, condition=condition, seed=voice.seed, calibration_s=len(calibration) / RATE)
    result = analyze_samples(samples, rate_hz=rate_hz, settings=settings, keep_frames=False)
    episodes = sum(e.kind == "fast_speech" for e in result.episodes)
    cues = sum(c.kind == "fast_speech" for c in result.cues)
    return episodes, cues, len(natural) / RATE / 60.0


def _pct(flags: list[bool]) -> float:
    return 100.0 * sum(flags) / max(len(flags), 1)


@dataclass
class Half:
    """One half of one corpus's speakers (tuned on, or held out): the figures the goals are about."""

    name: str
    errors: list[float] = field(default_factory=list)  # |estimate ratio / tempo - 1| per speaker and tempo
    flags: dict[str, tuple[list[bool], list[bool]]] = field(default_factory=dict)
    truth_ratios: list[float] = field(default_factory=list)
    natural: list[tuple[int, int, float]] = field(default_factory=list)  # natural_cues per speaker
    curve: list[CurvePoint] = field(default_factory=list)

    def add(self, flags: dict[str, tuple[list[bool], list[bool]]]) -> None:
        for way, (fast, natural) in flags.items():
            self.flags.setdefault(way, ([], []))
            self.flags[way][0].extend(fast)
            self.flags[way][1].extend(natural)

    def report(self) -> str:
        line = f"{self.name}:"
        if self.errors:
            worst = max(self.errors)
            line += (f" rate follows tempo: error median {100 * float(np.median(self.errors)):.0f} %, 90th pct "
                     f"{100 * float(np.percentile(self.errors, 90)):.0f} %, worst {100 * worst:.0f} % of "
                     f"{len(self.errors)} (goal worst <= 10 %) {'pass' if worst <= 0.10 else 'FAIL'}")
        if self.truth_ratios:
            line += f"; estimate / transcript rate {min(self.truth_ratios):.2f}-{max(self.truth_ratios):.2f}"
        lines = [line]
        if self.natural:
            episodes, cues, minutes = (sum(row[i] for row in self.natural) for i in range(3))
            lines.append(f"  natural pace only ({minutes:.0f} min of talk after calibration): {episodes} fast_speech "
                         f"episodes ({60 * episodes / minutes:.1f} an hour), {cues} 'Slow down' cues shown "
                         f"({60 * cues / minutes:.1f} an hour, cooldown and hourly cap in force)")
        for way, (fast_flags, natural_flags) in self.flags.items():
            fast, natural = _pct(fast_flags), _pct(natural_flags)
            lines.append(f"  slow down ({way}) at {FAST_TEMPO}x: {fast:.0f} % of {len(fast_flags)} (goal >= 90 %) "
                         f"{'pass' if fast >= 90 else 'FAIL'}; at natural pace: {natural:.0f} % of "
                         f"{len(natural_flags)} (goal <= 5 %) {'pass' if natural <= 5 else 'FAIL'}")
        if self.curve:
            lines.append(curve_report(self.curve))
        return "\n".join(lines)


CURVE_BANDS = (0.0, 1.1, 1.2, 1.3, 1.45, float("inf"))


def curve_report(curve: list[CurvePoint]) -> str:
    """Share of stretches with "Slow down" (onset) and with the transcript oracle's flag per band of the stretch's
    TRUE rate over the speaker's usual rate (transcript rate of all their calm clips): what a fast stretch is,
    scored by its syllables rather than by how it was made."""
    lines = ["  by true rate / usual rate (transcript)   stretches  slow down (onset)  transcript oracle"]
    for low, high in itertools.pairwise(CURVE_BANDS):
        rows = [(point.onset, point.oracle) for point in curve if low <= point.true_over_usual < high]
        name = f"< {high}" if low == 0.0 else f">= {low}" if high == float("inf") else f"{low}-{high}"
        shares = (f"{_pct([r[0] for r in rows]):9.0f} %  {_pct([r[1] for r in rows]):15.0f} %" if rows
                  else f"{'-':>11}  {'-':>17}")
        lines.append(f"    {name:<36}  {len(rows):9d}  {shares}")
    return "\n".join(lines)


def _numbers(text: str, kind: type) -> list:  # type: ignore[type-arg]
    return [kind(part) for part in text.split(",") if part]


def voices(args: argparse.Namespace) -> list[Voice]:
    """The speakers asked for: RAVDESS actors and LibriSpeech readers, each marked tuned or held out."""
    out: list[Voice] = []
    if args.corpus in ("ravdess", "both", "all"):
        tuned = set(_numbers(args.tuned, int))
        out += [ravdess_voice(actor, tuned=actor in tuned) for actor in _numbers(args.actors, int)]
    if args.corpus in ("librispeech", "both", "all"):
        readers = librispeech_pace.readers()
        out += [librispeech_voice(reader, tuned=index < librispeech_pace.TUNED_READERS)
                for index, reader in enumerate(readers)]
    if args.corpus in ("tts", "all"):
        out += [tts_voice(voice, seed=100 + index) for index, voice in enumerate(tts_pace.VOICES)]
    return out


def evaluate(voice: Voice, half: Half, *, args: argparse.Namespace, settings: Settings) -> str:
    """One speaker's row of the table (and its figures added to its half)."""
    row = f"{voice.name:<25}{'tuned on' if voice.tuned else 'held out':<10}"
    if not args.no_tempo:
        natural_rate, ratios, truth_tempo, wander = tempo_check(
            voice, window_s=settings.detector.fast_speech.window_speech_s)
        half.errors.extend(abs(ratios[t] / truth_tempo[t] - 1.0) for t in TEMPOS)
        truth = "-"
        if voice.corpus == "RAVDESS":
            half.truth_ratios.append(transcript_check(voice.seed, natural_rate))
            truth = f"{half.truth_ratios[-1]:.2f}"
        row += f"{natural_rate:<12.2f}{truth:<13}{wander:<17.2f}" + "  ".join(f"{ratios[t]:<8.2f}" for t in TEMPOS)
    true_ratios: list[tuple[bool, float]] = []
    flags = slow_down_check(voice, n_stretches=args.stretches, settings=settings, true_ratios=true_ratios,
                            condition=args.condition, curve=half.curve)
    half.add(flags)
    fast, natural = flags["onset"]
    row += f"  {sum(fast)}/{len(fast)} / {sum(natural)}/{len(natural)}"
    if args.natural_s > 0:
        half.natural.append(natural_cues(voice, seconds=args.natural_s, settings=settings, condition=args.condition))
        row += f"  natural only: {half.natural[-1][0]} episodes, {half.natural[-1][1]} cues"
    if voice.corpus == "RAVDESS":
        row += "  (transcript ratio " + " ".join(
            f"{'fast' if is_fast else 'natural'} {min(r for f, r in true_ratios if f == is_fast):.2f}-"
            f"{max(r for f, r in true_ratios if f == is_fast):.2f}" for is_fast in (False, True)) + ")"
    elif voice.spoken is not None:
        spoken_fast = [r for f, r in true_ratios if f]
        row += f"  (fast stretches spoken {min(spoken_fast):.2f}-{max(spoken_fast):.2f}x"
        row += "; x" + "/".join(f"{t}" for t in TEMPOS) + " spoken " + "/".join(
            f"{truth_tempo[t]:.2f}" for t in TEMPOS) + ")" if not args.no_tempo else ")"
    return row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=("ravdess", "librispeech", "both", "tts", "all"), default="all",
                        help="both: RAVDESS and LibriSpeech (stretched); tts: speech spoken fast (espeak-ng, "
                             "flite); all: the three")
    parser.add_argument("--actors", default=",".join(str(a) for a in sessions.ACTORS))
    parser.add_argument("--tuned", default=",".join(str(a) for a in TUNED_ACTORS),
                        help="RAVDESS actors the settings were tuned on; the others are reported as held out")
    parser.add_argument("--stretches", type=int, default=6, help="12 s stretches per session (half at 1.35x)")
    parser.add_argument("--enter", type=float, help="override fast_speech.rate_ratio_enter (tuning)")
    parser.add_argument("--min-s", type=float, help="override fast_speech.min_s (tuning)")
    parser.add_argument("--window-s", type=float, help="override fast_speech.window_speech_s (tuning)")
    parser.add_argument("--no-tempo", action="store_true", help="skip the tempo and transcript checks (tuning)")
    parser.add_argument("--natural-s", type=float, default=0.0,
                        help="also a session of this many seconds at natural pace only: false cues an hour")
    parser.add_argument("--rate", choices=("shipped", "learned"), default="shipped",
                        help="learned: benchmarks/learned_rate.py's estimator (measured, not shipped) in the engine")
    parser.add_argument("--condition", choices=conditions.CONDITIONS, default="clean",
                        help="recording condition of the sessions (benchmarks/conditions.py); the tempo check "
                             "stays on clean speech")
    args = parser.parse_args(argv)
    try:
        chosen = voices(args)
    except ValueError:
        print("error: --actors and --tuned take comma-separated actor numbers, e.g. 1,2,3", file=sys.stderr)
        return 2
    except FileNotFoundError:
        print("error: LibriSpeech folder not found; set CALMCUE_DATA to the shared data folder", file=sys.stderr)
        return 2
    if args.corpus in ("tts", "all") and tts_pace.available() is not None:
        print(f"error: the text-to-speech voices need espeak-ng and flite: {tts_pace.available()}", file=sys.stderr)
        return 2
    if args.corpus not in ("librispeech", "tts") and not (sessions.ravdess_dir() / "manifest.csv").is_file():
        print("error: RAVDESS manifest not found; set CALMCUE_DATA to the shared data folder", file=sys.stderr)
        return 2
    use_rate(args.rate)
    settings = pace_settings(enter=args.enter, min_s=args.min_s, window_s=args.window_s)
    fast_settings = settings.detector.fast_speech
    print(f"rate: {args.rate}; fast_speech: rate_ratio_enter {fast_settings.rate_ratio_enter}, "
          f"min_s {fast_settings.min_s}, "
          f"window_speech_s {fast_settings.window_speech_s}; sessions {args.condition}")
    halves: dict[tuple[str, bool], Half] = {}
    print(f"{'speaker':<25}half      rate at x1  /transcript  95th pct/median  "
          + "  ".join(f"rate x{t}" for t in TEMPOS) + "  slow-down onset fast / natural")
    for voice in chosen:
        half = halves.setdefault((voice.corpus, voice.tuned),
                                 Half(f"{voice.corpus} {'tuned on' if voice.tuned else 'held out'}"))
        print(evaluate(voice, half, args=args, settings=settings), flush=True)
    for half in halves.values():
        print(half.report())
    pooled = [point for half in halves.values() for point in half.curve]
    if pooled and sum(bool(half.curve) for half in halves.values()) > 1:
        print("both halves (every speaker with a transcript):\n" + curve_report(pooled))
    print(f"rate cost: {cost_per_hop_us():.1f} us per hop per channel ({args.rate} rate's step, amortised over 60 s)"
          f"; spectral pace (not shipped) {pace_cost_per_hop_us():.1f} us (its log-mel and step)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
