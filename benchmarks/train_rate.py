"""Learns the weights of benchmarks/learned_rate.py (a speaking rate) from pairs of the same speech at known tempos.

"Slow down" compares the rate with the speaker's own usual pace (detector/pace.py), so what the rate needs is a
LOG that moves by ln(tempo) when the same speaker speaks faster; its absolute scale matters little. That needs no
transcripts: take permissive read speech, time-stretch it by known factors (librosa's phase vocoder, pitch kept,
the pace eval's 32 ms frames; slower AND faster, so a cue that only marks the vocoder's artefacts cannot explain
the sign of a tempo change), read the rate cues (learned_rate.CUE_NAMES) through the engine's own features over
the last 6.5 s of speech at the same point of the text, and fit weights w by ridge least squares so that

    w . (cues(tempo b) - cues(tempo a)) = ln(b / a)                     (every pair of tempos of an utterance)
    w . (cues(natural, middle) - cues(natural, end)) = 0                (--steady: the same reader, other words)
    w . (cues(natural, 0.3 s longer pauses) - cues(natural)) = 0        (--pauses: the same words, longer pauses)

Training data (CALMCUE_DATA/train, licences in each SOURCE.md): LibriSpeech train-clean-100, one utterance from
each of 251 readers (CC BY 4.0, Panayotov et al. 2015; LibriVox recordings public domain), LJ Speech clips (public
domain) and CMU ARCTIC clips (permissive, attribution). NOT used: RAVDESS, EmoDB, FDA-UE (their terms forbid a
shipped derived model) and LibriSpeech test-other (the pace eval's readers). Every fifth train-clean-100 reader
(sorted by id) is held out of the fit and reported apart, then the weights are refitted on everything. The
engine's rate inputs (band level, voicing, speech per frame; never audio) are cached under $TMPDIR; everything is
deterministic (fixed seeds, sorted files). About 8 minutes on a loaded 2-core machine the first time, 1 after.

    CALMCUE_DATA=/work/shared/data nice .venv/bin/python benchmarks/train_rate.py [--ridge 1] [--steady 5] [--pauses 5]

Output (2026-11-30, the defaults; 243 utterances, 44 readers held out):
  rate.py's estimate (round 4) on the held-out readers: tempo error (1.15-1.6x, 176 readings) median 8.0 %, 90th
    pct 17.6 %, worst 28.9 %; steady-pace spread of ln rate 0.114 (d' at 1.3x 2.30); 0.3 s longer pauses -0.6 %
  learned, on the held-out readers: median 6.2 %, 90th pct 14.0 %, worst 25.4 %; spread 0.101 (d' 2.59); -0.8 %
  RATE_WEIGHTS = (0.8355, 0.2725, 0.3830, 0.0330, -0.2557), RATE_OFFSET = -0.9783 (learned_rate.py holds them)
Without the pause pairs (--pauses 0) held out: 5.5 % / 13.2 % / 20.4 %, spread 0.099, but 0.3 s longer pauses read
14.6 % slower. The five cues beat twelve (with the shares of the modulation power in six log-spaced bands and the
centroid of the log envelope: 5.3 % / 13.0 % / 24.7 %, spread 0.099) on the worst case (both without the pause
pairs).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

try:  # imported as part of the repository (tests)
    from benchmarks import conditions, eval_detection_pace, learned_rate, sessions
except ImportError:  # run as a script
    import conditions  # type: ignore[no-redef]
    import eval_detection_pace  # type: ignore[no-redef]
    import learned_rate  # type: ignore[no-redef]
    import sessions  # type: ignore[no-redef]

from calmcue.timebase import HOP_S

TEMPOS = (0.8, 0.9, 1.0, 1.15, 1.3, 1.45, 1.6)
WINDOW_S = 6.5  # the fast_speech cue's window (settings default)
POSITIONS = (0.5, 0.75, 1.0)  # points of the text (share of its speech frames at natural pace) where cues are read
HOLD_OUT_EVERY = 5  # every fifth LibriSpeech reader is held out of the fit
MIN_UTTERANCE_S = 6.0
PAUSE_FRAMES = 30  # frames of unvoiced speech added after each phrase in the longer-pause pairs
# the fourth round's hand-built estimate in these cues: exp(0.4 ln onsets + 0.6 ln(4 (centroid / 5 Hz) ** 2.2))
HAND_WEIGHTS = (1.32, 0.0, 0.4, 0.0, 0.0)
HAND_OFFSET = 0.6 * np.log(4.0) - 1.32 * np.log(5.0)
LICENCES = {
    "librispeech": "LibriSpeech train-clean-100 (CC BY 4.0, Panayotov et al. 2015; LibriVox public domain)",
    "ljspeech": "LJ Speech (public domain, K. Ito 2017)",
    "arctic": "CMU ARCTIC (permissive licence with attribution, Kominek & Black 2003)",
}


def training_utterances() -> list[tuple[str, str, np.ndarray]]:
    """(source, speaker, samples) of every training utterance, sorted; short ARCTIC clips joined per speaker."""
    train = sessions.data_root() / "train"
    out = []
    for path in sorted((train / "resemblyzer-librispeech/audio_data/librispeech_train-clean-100").glob("*.flac")):
        out.append(("librispeech", path.name.split("-")[0], trimmed(sessions.load_clip(str(path)))))
    for path in sorted((train / "coqui-tts-ljspeech").rglob("*.wav")):
        out.append(("ljspeech", "LJ", trimmed(sessions.load_clip(str(path)))))
    arctic: dict[str, list[np.ndarray]] = {}
    for path in sorted((train / "pyroomacoustics-cmu-arctic").rglob("*.wav")):
        arctic.setdefault(path.parent.name, []).append(trimmed(sessions.load_clip(str(path))))
    for speaker, clips in sorted(arctic.items()):
        pause = np.zeros(round(0.4 * sessions.RATE_HZ), np.float32)
        out.append(("arctic", speaker, np.concatenate([part for clip in clips for part in (clip, pause)])))
    return [u for u in out if len(u[2]) >= MIN_UTTERANCE_S * sessions.RATE_HZ]


def trimmed(samples: np.ndarray) -> np.ndarray:
    start_s, end_s = sessions.speech_bounds(samples, rate_hz=sessions.RATE_HZ)
    margin = sessions.SPEECH_MARGIN_S
    return samples[max(0, round((start_s - margin) * sessions.RATE_HZ)):round((end_s + margin) * sessions.RATE_HZ)]


class _Recorder(learned_rate.LearnedRate):
    """The engine's rate tracker that also keeps what it was fed (band level, voiced, speech) frame by frame."""

    def __init__(self) -> None:
        super().__init__(window_speech_s=WINDOW_S)
        self.fed: list[tuple[float, bool, bool]] = []

    def step(self, band_db: float, voiced: bool, speech: bool) -> float:
        self.fed.append((band_db, voiced, speech))
        return super().step(band_db, voiced, speech)


def rate_inputs(samples: np.ndarray, *, seed: int) -> np.ndarray:
    """(frames, 3): the band level, voicing and speech decision the engine feeds the rate, for these samples."""
    from calmcue.features.extractor import FeatureExtractor
    from calmcue.features.reframer import Reframer

    padded = np.concatenate([samples, np.zeros(round(0.5 * sessions.RATE_HZ), np.float32)])
    padded = conditions.add_room_tone(padded, level_dbfs=-80.0, seed=seed)
    extractor = FeatureExtractor(channels=1, rate_window_s=WINDOW_S)
    recorder = _Recorder()
    extractor._trackers.rate[0] = recorder
    extractor.process(Reframer(channels=1).push(padded[:, None]))
    return np.array(recorder.fed, np.float64)


def cue_track(fed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(speech frames counted at each spectral update, the cues then): the tracker replayed on recorded inputs
    (frames added by `with_longer_pauses`, flagged in a fourth column, are fed but not counted)."""
    tracker = learned_rate.LearnedRate(window_speech_s=WINDOW_S)
    counted = fed[:, 2] > 0 if fed.shape[1] < 4 else (fed[:, 2] > 0) & (fed[:, 3] == 0)
    counts, cues, speech_frames = [], [], 0
    for (band_db, voiced, speech), count in zip(fed[:, :3].tolist(), counted.tolist(), strict=True):
        tracker.step(band_db, bool(voiced), bool(speech))
        speech_frames += count
        if speech and tracker._since_update == 0 and tracker._filled >= learned_rate.SUB_WINDOW_FRAMES:
            counts.append(speech_frames)
            cues.append(tracker.cues())
    return np.array(counts), np.array(cues)


def with_longer_pauses(fed: np.ndarray) -> np.ndarray:
    """The same frames with PAUSE_FRAMES more unvoiced speech after each run of speech (as a longer activity
    hangover would add: it is fixed in seconds, so its share of the speech frames grows as speech speeds up)."""
    speech = fed[:, 2] > 0
    ends = np.flatnonzero(speech[:-1] & ~speech[1:]) + 1
    parts, start = [], 0
    for end in ends:
        filler = np.tile([fed[end, 0], 0.0, 1.0, 1.0], (PAUSE_FRAMES, 1))
        parts += [np.column_stack([fed[start:end], np.zeros(end - start)]), filler]
        start = end
    parts.append(np.column_stack([fed[start:], np.zeros(len(fed) - start)]))
    return np.concatenate(parts)


def utterance_inputs(samples: np.ndarray, *, seed: int) -> list[np.ndarray]:
    """The rate's inputs (frames, 3) for the utterance at each of TEMPOS."""
    return [rate_inputs(eval_detection_pace.stretch(np.asarray(samples), tempo), seed=seed).astype(np.float32)
            for tempo in TEMPOS]


def utterance_cues(inputs: list[np.ndarray]) -> np.ndarray:
    """(tempos + 1, positions, cues): cues at each point of the text (that share of each version's speech
    frames), for the utterance at each tempo and last at natural pace with longer pauses (NaN where the speech is
    too short to have been read there)."""
    out = np.full((len(TEMPOS) + 1, len(POSITIONS), len(learned_rate.CUE_NAMES)), np.nan)
    paused = with_longer_pauses(inputs[TEMPOS.index(1.0)].astype(np.float64))
    for t, fed in enumerate([*inputs, paused]):
        counts, cues = cue_track(fed.astype(np.float64))
        total = int(fed[:, 2].sum())
        for p, position in enumerate(POSITIONS):
            index = np.searchsorted(counts, position * total, side="right") - 1
            if index >= 0 and counts.size:
                out[t, p] = cues[index]
    return out


def cache_path() -> Path:
    key = hashlib.sha1(repr((TEMPOS, WINDOW_S, MIN_UTTERANCE_S)).encode()).hexdigest()[:12]
    return Path(os.environ.get("TMPDIR", tempfile.gettempdir())) / f"calmcue_train_rate_{key}.npz"


def all_cues() -> tuple[np.ndarray, list[str], list[str]]:
    """(utterances, tempos, positions, cues), sources and speakers. The engine's rate inputs per frame (band
    level, voicing, speech; no audio) are cached between runs, so only the cues are recomputed."""
    path = cache_path()
    if path.exists():
        data = np.load(path)
        sources, speakers, lengths = list(data["sources"]), list(data["speakers"]), data["lengths"]
        flat = np.split(data["inputs"], np.cumsum(lengths)[:-1])
        inputs = [flat[i:i + len(TEMPOS)] for i in range(0, len(flat), len(TEMPOS))]
    else:
        utterances = training_utterances()
        inputs, sources, speakers = [], [], []
        for i, (source, speaker, samples) in enumerate(utterances):
            inputs.append(utterance_inputs(samples, seed=i))
            sources.append(source)
            speakers.append(speaker)
            if i % 25 == 0:
                print(f"  rate inputs of {i + 1} / {len(utterances)} utterances", file=sys.stderr, flush=True)
        every = [fed for per_tempo in inputs for fed in per_tempo]
        np.savez(path, inputs=np.concatenate(every), lengths=np.array([len(f) for f in every]),
                 sources=np.array(sources), speakers=np.array(speakers))
    return np.array([utterance_cues(per_tempo) for per_tempo in inputs]), sources, speakers


def pairs(cues: np.ndarray, *, steady_weight: float,
          pause_weight: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cue differences, target ln ratios, row weights) over the utterances given."""
    rows, targets, weights = [], [], []
    for utterance in cues:
        for p in range(len(POSITIONS)):
            for a in range(len(TEMPOS)):
                for b in range(a + 1, len(TEMPOS)):
                    diff = utterance[b, p] - utterance[a, p]
                    if np.all(np.isfinite(diff)):
                        rows.append(diff)
                        targets.append(np.log(TEMPOS[b] / TEMPOS[a]))
                        weights.append(1.0)
        natural = utterance[TEMPOS.index(1.0)]
        diff = natural[0] - natural[-1]  # the middle of the text against its end: other words, same pace
        if np.all(np.isfinite(diff)):
            rows.append(diff)
            targets.append(0.0)
            weights.append(steady_weight)
        for p in range(len(POSITIONS)):  # the same words with longer pauses: the same pace
            diff = utterance[-1, p] - natural[p]
            if np.all(np.isfinite(diff)):
                rows.append(diff)
                targets.append(0.0)
                weights.append(pause_weight)
    return np.array(rows), np.array(targets), np.array(weights)


def fit(cues: np.ndarray, *, ridge: float, steady_weight: float, pause_weight: float) -> np.ndarray:
    """Ridge least squares on standardised cue differences; returns the weights on the raw cues."""
    x, y, w = pairs(cues, steady_weight=steady_weight, pause_weight=pause_weight)
    scale = x.std(axis=0) + 1e-9
    xs = x / scale * np.sqrt(w)[:, None]
    ys = y * np.sqrt(w)
    solution = np.linalg.solve(xs.T @ xs + ridge * len(xs) / 1000.0 * np.eye(x.shape[1]), xs.T @ ys)
    return solution / scale


def tempo_errors(cues: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(|read ratio / tempo - 1| of every faster tempo against natural, at the text's end; the sd of the natural
    reading's ln between the middle and the end of the text)."""
    errors, steady = [], []
    natural = TEMPOS.index(1.0)
    for utterance in cues:
        base = utterance[natural, -1] @ weights
        for t, tempo in enumerate(TEMPOS):
            if tempo > 1.0 and np.all(np.isfinite(utterance[t, -1])):
                errors.append(abs(np.exp(utterance[t, -1] @ weights - base) / tempo - 1.0))
        diff = (utterance[natural, 0] - utterance[natural, -1]) @ weights
        if np.isfinite(diff):
            steady.append(diff)
    return np.array(errors), np.array(steady)


def offset_for(cues: np.ndarray, weights: np.ndarray) -> float:
    """The offset that puts the median natural-pace reading where the hand-built estimate of the fourth round put
    it on this speech (about 4 syllables a second), so saved paces and the reference's range still fit."""
    natural = cues[:, TEMPOS.index(1.0), -1]
    natural = natural[np.all(np.isfinite(natural), axis=1)]
    old = HAND_OFFSET + natural @ np.array(HAND_WEIGHTS)
    return float(np.median(old) - np.median(natural @ weights))


def report(name: str, cues: np.ndarray, weights: np.ndarray) -> str:
    errors, steady = tempo_errors(cues, weights)
    d_prime = np.log(1.3) / (np.std(steady) / np.sqrt(2.0))
    paused = (cues[:, -1, -1] - cues[:, TEMPOS.index(1.0), -1]) @ weights
    paused = np.exp(paused[np.isfinite(paused)]) - 1.0
    return (f"{name}: tempo error (1.15-1.6x, {errors.size} readings) median {100 * np.median(errors):.1f} %, "
            f"90th pct {100 * np.percentile(errors, 90):.1f} %, worst {100 * errors.max():.1f} %; steady-pace "
            f"spread of ln rate {np.std(steady) / np.sqrt(2.0):.3f} (d' at 1.3x {d_prime:.2f}); "
            f"{PAUSE_FRAMES * HOP_S:g} s longer pauses move it {100 * np.median(paused):+.1f} % (median)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ridge", type=float, default=1.0, help="ridge strength on standardised cues")
    parser.add_argument("--steady", type=float, default=5.0, help="weight of the same-pace pairs")
    parser.add_argument("--pauses", type=float, default=5.0, help="weight of the longer-pause pairs")
    args = parser.parse_args(argv)
    cues, sources, speakers = all_cues()
    readers = sorted({s for s, src in zip(speakers, sources, strict=True) if src == "librispeech"}, key=int)
    held = {r for i, r in enumerate(readers) if i % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1}
    is_held = np.array([src == "librispeech" and s in held for s, src in zip(speakers, sources, strict=True)])
    print(f"training speech: {len(cues)} utterances ({', '.join(LICENCES[s] for s in sorted(set(sources)))})")
    print(f"tempos {TEMPOS}, cues over the last {WINDOW_S} s of speech at {POSITIONS} of the text; "
          f"{len(held)} LibriSpeech readers held out")
    weights = fit(cues[~is_held], ridge=args.ridge, steady_weight=args.steady, pause_weight=args.pauses)
    hand = np.array(HAND_WEIGHTS)
    print(report("rate.py's estimate (round 4) on the held-out readers", cues[is_held], hand))
    print(report("learned on the held-out readers", cues[is_held], weights))
    print(report("learned on the fitted speech", cues[~is_held], weights))
    final = fit(cues, ridge=args.ridge, steady_weight=args.steady, pause_weight=args.pauses)
    print(report("learned on all (refit on every utterance: learned_rate.py's)", cues, final))
    print("RATE_WEIGHTS = (" + ", ".join(f"{v:.4f}" for v in final) + ")")
    print(f"RATE_OFFSET = {offset_for(cues, final):.4f}")
    for name, value in zip(learned_rate.CUE_NAMES, final, strict=True):
        print(f"  {name:32s} {value:+.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
