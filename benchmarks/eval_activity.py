"""Voice-activity figures: CalmCue's learned model, its classic detector, Silero VAD and webrtcvad, same frames.

- Speech: the AMI excerpts (real meetings, hand-marked speaker turns in turns.rttm; never used for training),
  frame F1 at p >= 0.5 and ROC AUC, clean and at telephone band (8 kHz, 300-3400 Hz) with pink noise 10 dB
  under the active speech, and with held-out music 10 dB under the speech.
- Music: held-out music (three pieces never used in training): the share of frames taken as speech (goal
  under 5 %), clean and at telephone band, and for our model the share read as music.
- Cues from music: a two-channel call where the agent talks and the customer channel carries hold music;
  the customer raised_voice / talk_over / no_pause episodes counted for each activity detector.
- Cost: the model's share of the live path per 10 ms hop per channel (features + onnxruntime, the spectrum
  and pitch being computed anyway), for hops batched 1, 2 and 5 at a time on two channels.
- Onset lag (`--onsets`, alone): how late the model hears a voice start over a bed. The calm and neutral clips of
  the development actors (RAVDESS 1-6, never trained on) follow each other in one stream, 4 s apart, over unseen
  music (Debian hyperrogue-music and asc-music, as benchmarks/detection_stress.py's music rows) 0, 5, 10 and 15
  dB under the voice, over pink noise 10 dB under it, and over nothing. Lag: from the clip's first energy-active
  hop to the first hop with p(speech) >= 0.5 (the detector's SPEECH_PROB); a voice not heard within 1.5 s is a
  miss. Also the share of the voice's energy-active hops in its first 0.5 s heard as speech, and the share of
  bed-only hops (from 0.5 s into each 4 s lead to the onset) taken as speech.

    python benchmarks/eval_activity.py [--json benchmarks/results/activity.json] [--quick]
    python benchmarks/eval_activity.py --onsets [--json OUT]   (CALMCUE_ACTIVITY_MODEL_DIR picks another model)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.signal
import scipy.stats
import soundfile as sf
import soxr

from calmcue.analysis.offline import analyze_samples
from calmcue.features.activity_model import ActivityKind, ActivityModel
from calmcue.features.pitch import yin
from calmcue.features.reframer import Reframer
from calmcue.features.spectral import power_spectrum

RATE = 16_000
HOP = 160
HELD_OUT_MUSIC = (Path("/usr/share/asterisk/moh/macroform-robot_dity.wav"),
                  Path("/usr/share/games/singularity/music/Aberrations.ogg"),
                  Path("/usr/share/games/fretsonfire/data/songs/muldjord/armygeddon/song.ogg"))


def data_dir() -> Path:
    return Path(os.environ.get("CALMCUE_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")


def read_16k(path: Path, *, max_s: float = 1e9) -> np.ndarray:
    info = sf.info(str(path))
    data, rate = sf.read(str(path), frames=int(min(info.frames, max_s * info.samplerate)), dtype="float32",
                         always_2d=True)
    mono = data.mean(axis=1)
    return (soxr.resample(mono, rate, RATE) if rate != RATE else mono).astype(np.float32)


def ami() -> list[tuple[np.ndarray, np.ndarray]]:
    """(samples, per-frame truth) for each excerpt; a frame is speech when a turn covers its window's centre."""
    folder = data_dir() / "ami"
    turns: dict[str, list[tuple[float, float]]] = {}
    for line in (folder / "turns.rttm").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and parts[0] == "SPEAKER":
            turns.setdefault(parts[1], []).append((float(parts[3]), float(parts[3]) + float(parts[4])))
    out = []
    for wav in sorted(folder.glob("trn*.wav")):
        x = read_16k(wav)
        centres = (np.arange(x.size // HOP) + 1) * HOP / RATE - 0.016
        truth = np.zeros(centres.size, bool)
        for start, end in turns.get(wav.stem, []):
            truth |= (centres >= start) & (centres < end)
        out.append((x, truth))
    return out


def telephone(x: np.ndarray) -> np.ndarray:
    narrow = soxr.resample(x, RATE, 8000)
    sos = scipy.signal.butter(4, [300, 3400], btype="bandpass", fs=8000, output="sos")
    return soxr.resample(scipy.signal.sosfilt(sos, narrow).astype(np.float32), 8000, RATE)[: x.size]


def pink(n: int, seed: int) -> np.ndarray:
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    y = np.fft.irfft(spectrum / np.sqrt(np.maximum(np.fft.rfftfreq(n, 1 / RATE), 20.0)), n)
    return (y / np.sqrt(np.mean(y**2))).astype(np.float32)


def active_rms(x: np.ndarray, truth: np.ndarray) -> float:
    hops = x[: truth.size * HOP].reshape(-1, HOP)[truth[: x.size // HOP]]
    return float(np.sqrt(np.mean(np.square(hops)))) if hops.size else float(np.sqrt(np.mean(x**2)))


def under(x: np.ndarray, other: np.ndarray, truth: np.ndarray, db: float) -> np.ndarray:
    other = np.resize(other, x.size)
    return x + other / (np.sqrt(np.mean(other**2)) + 1e-12) * active_rms(x, truth) * 10 ** (-db / 20)


# --- the detectors, each giving a score per 10 ms frame -------------------------------------------------------

def ours(kind: ActivityKind) -> Callable[[np.ndarray], np.ndarray]:
    def run(x: np.ndarray) -> np.ndarray:
        result = analyze_samples(x, rate_hz=RATE, activity=kind)
        assert result.store is not None
        return result.store.array("speech_prob")[:, 0].astype(np.float64)
    return run


def music_of(x: np.ndarray) -> np.ndarray:
    result = analyze_samples(x, rate_hz=RATE, activity=ActivityKind.MODEL)
    assert result.store is not None
    return result.store.array("music_prob")[:, 0].astype(np.float64)


def silero() -> Callable[[np.ndarray], np.ndarray]:
    from calmcue.bench import silero as s

    vad, _ = s.load()

    def run(x: np.ndarray) -> np.ndarray:
        vad.reset()
        chunks = x.size // s.CHUNK
        probs = np.array([vad.step(x[i * s.CHUNK : (i + 1) * s.CHUNK]) for i in range(chunks)] + [0.0])
        ends = (np.arange(x.size // HOP) + 1) * HOP  # frame k ends at sample 160 (k + 1)
        return probs[np.minimum((ends - 1) // s.CHUNK, chunks)]
    return run


def webrtc() -> Callable[[np.ndarray], np.ndarray]:
    import webrtcvad

    def run(x: np.ndarray) -> np.ndarray:
        vad = webrtcvad.Vad(2)
        pcm = (np.clip(x, -1, 1) * 32767).astype("<i2")
        return np.array([float(vad.is_speech(pcm[i * HOP : (i + 1) * HOP].tobytes(), RATE))
                         for i in range(x.size // HOP)])
    return run


def f1_auc(score: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    n = min(score.size, truth.size)
    score, truth = score[:n], truth[:n]
    hit = score >= 0.5
    tp = float(np.sum(hit & truth))
    precision, recall = tp / max(1.0, float(hit.sum())), tp / max(1.0, float(truth.sum()))
    ranks = scipy.stats.rankdata(score)
    pos, neg = float(truth.sum()), float((~truth).sum())
    auc = (float(ranks[truth].sum()) - pos * (pos + 1) / 2) / max(1.0, pos * neg)
    return {"f1": round(2 * precision * recall / max(1e-9, precision + recall), 4), "auc": round(auc, 4),
            "recall": round(recall, 4), "precision": round(precision, 4)}


def speech_figures(systems: dict[str, Callable], clips: list[tuple[np.ndarray, np.ndarray]],
                   music: np.ndarray) -> dict[str, dict[str, dict[str, float]]]:
    conditions: dict[str, Callable[[np.ndarray, np.ndarray, int], np.ndarray]] = {
        "clean": lambda x, t, i: x,
        "phone_noise10": lambda x, t, i: under(telephone(x), pink(x.size, i), t, 10.0),
        "music_under10": lambda x, t, i: under(x, music[i * RATE * 7 :], t, 10.0),
    }
    out: dict[str, dict[str, dict[str, float]]] = {}
    for cname, make in conditions.items():
        inputs = [(make(x, t, i).astype(np.float32), t) for i, (x, t) in enumerate(clips)]
        truth = np.concatenate([t for _, t in inputs])
        for sname, run in systems.items():
            scores = np.concatenate([_fit(run(x), t.size) for x, t in inputs])
            out.setdefault(cname, {})[sname] = f1_auc(scores, truth)
            print(f"  speech {cname:14s} {sname:10s} {out[cname][sname]}", flush=True)
    return out


def _fit(score: np.ndarray, n: int) -> np.ndarray:
    return np.pad(score[:n], (0, max(0, n - score.size)))


def music_figures(systems: dict[str, Callable], pieces: list[np.ndarray]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for cname, make in {"clean": lambda x: x, "phone": telephone}.items():
        inputs = [make(x).astype(np.float32) for x in pieces]
        for sname, run in systems.items():
            taken = np.concatenate([run(x)[100:] >= 0.5 for x in inputs])  # after the first second
            out.setdefault(cname, {})[f"{sname}_taken_as_speech"] = round(float(np.mean(taken)), 4)
        read = np.concatenate([music_of(x)[100:] >= 0.5 for x in inputs])
        out[cname]["ours_read_as_music"] = round(float(np.mean(read)), 4)
        print(f"  music {cname}: {out[cname]}", flush=True)
    return out


def cues_from_music(clips: list[tuple[np.ndarray, np.ndarray]], music: np.ndarray) -> dict[str, dict[str, int]]:
    """Agent speech (AMI) on channel 0, hold music on the customer channel: episodes counted per kind."""
    agent = np.concatenate([x for x, _ in clips])
    hold = np.resize(music, agent.size) * 0.3
    call = np.stack([agent, hold], axis=1).astype(np.float32)
    out = {}
    for kind in (ActivityKind.MODEL, ActivityKind.CLASSIC):
        result = analyze_samples(call, rate_hz=RATE, activity=kind, keep_frames=False)
        counts: dict[str, int] = {}
        for episode in result.episodes:
            key = f"{episode.kind}/{episode.speaker}"
            counts[key] = counts.get(key, 0) + 1
        out[str(kind)] = counts
        print(f"  cues from music ({kind}): {counts}", flush=True)
    return out


def cost(*, rounds: int) -> dict[str, dict[str, float]]:
    """Microseconds per hop per channel for the model's share of the live path (features + onnxruntime)."""
    model = ActivityModel.create(channels=2)
    if model is None:
        return {}
    x = np.random.default_rng(0).standard_normal((RATE * 4, 2)).astype(np.float32) * 0.05
    windows = Reframer(channels=2).push(x)
    power = power_spectrum(windows)
    periodicity = np.maximum(1.0 - yin(windows).aperiodicity, 0.0)
    level = np.full(power.shape[:2], -30.0)
    out = {}
    for batch in (1, 2, 5):
        times = []
        for _ in range(rounds):
            for start in range(0, power.shape[0] - batch, batch):
                t0 = time.perf_counter_ns()
                model.process(power[start : start + batch], periodicity[start : start + batch],
                              level[start : start + batch])
                times.append((time.perf_counter_ns() - t0) / 1000.0 / (batch * 2))
        arr = np.array(times)
        out[f"hops_{batch}_x_2ch"] = {"p50_us": round(float(np.percentile(arr, 50)), 2),
                                      "p99_us": round(float(np.percentile(arr, 99)), 2)}
        print(f"  cost, {batch} hop(s) x 2 channels per call: {out[f'hops_{batch}_x_2ch']} per hop per channel",
              flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--quick", action="store_true", help="three AMI excerpts, 20 s of each music piece")
    parser.add_argument("--onsets", action="store_true", help="only the onset lag over music, noise and nothing")
    args = parser.parse_args()
    if args.onsets:
        return onset_main(args.json)
    clips = ami()[:3] if args.quick else ami()
    pieces = [read_16k(p, max_s=20 if args.quick else 60) for p in HELD_OUT_MUSIC if p.exists()]
    if not pieces:
        print("no held-out music found: run 'make model' (it installs the Debian music packages)", file=sys.stderr)
        return 2
    systems: dict[str, Callable] = {"ours": ours(ActivityKind.MODEL), "classic": ours(ActivityKind.CLASSIC)}
    for name, make in (("silero", silero), ("webrtcvad", webrtc)):
        try:
            systems[name] = make()
        except Exception as err:  # a reference that cannot run here is reported, not fatal
            print(f"  {name} unavailable: {err}", file=sys.stderr)
    music = np.concatenate(pieces)
    figures = {"speech_ami": speech_figures(systems, clips, music),
               "music_held_out": music_figures(systems, pieces),
               "episodes_with_hold_music_on_customer": cues_from_music(clips, music),
               "cost_per_hop_per_channel": cost(rounds=1 if args.quick else 3),
               "command": "python benchmarks/eval_activity.py" + (" --quick" if args.quick else "")}
    print("\n".join(markdown(figures)))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


# --- onset lag ---------------------------------------------------------------------------------------------

UNSEEN_MUSIC_GLOBS = (("/usr/share/hyperrogue/music", "*.ogg"), ("/usr/share/games/asc/music", "*.mp3"))
ONSET_LEAD_S = 4.0
ONSET_VOICE_DBFS = -26.0
ONSET_MISS_S = 1.5


def calm_clips() -> list[np.ndarray]:
    """The neutral and calm (normal intensity) RAVDESS clips of actors 1-6, sorted."""
    folder = data_dir() / "ravdess16k"
    rows = [line.split(",") for line in (folder / "manifest.csv").read_text(encoding="utf-8").splitlines()[1:]]
    return [read_16k(folder / r[0]) for r in sorted(rows) if r[3] in ("neutral", "calm") and r[4] == "normal"]


def energy_active(x: np.ndarray) -> np.ndarray:
    """Hops within 30 dB of the clip's 95th-percentile level (20 ms ending at each hop), as the training labels."""
    sq = np.square(x[: x.size // HOP * HOP].astype(np.float64)).reshape(-1, HOP).mean(axis=1)
    db = 10 * np.log10(np.maximum((sq + np.concatenate([sq[:1], sq[:-1]])) / 2, 1e-12))
    return db > max(float(np.percentile(db, 95)) - 30.0, -75.0)


def first_onset(active: np.ndarray, *, run: int = 5) -> int:
    """The first hop that starts `run` active hops in a row (a click or a breath is not the voice's start)."""
    runs = np.convolve(active.astype(int), np.ones(run, int), mode="valid")
    hits = np.flatnonzero(runs == run)
    return int(hits[0]) if hits.size else -1


def onset_stream(clips: list[np.ndarray]) -> tuple[np.ndarray, list[tuple[int, int]], np.ndarray]:
    """The clips at ONSET_VOICE_DBFS (active RMS), each after a 4 s lead; (lead's first hop, onset hop) of each;
    the voice's energy-active hops."""
    lead = int(ONSET_LEAD_S * RATE)
    parts, marks, voice = [], [], []
    at = 0
    for clip in clips:
        clip = clip[: clip.size // HOP * HOP]
        active = energy_active(clip)
        gain = 10 ** (ONSET_VOICE_DBFS / 20) / active_rms(clip, active)
        parts += [np.zeros(lead, np.float32), (clip * gain).astype(np.float32)]
        marks.append((at, at + lead // HOP + first_onset(active)))
        voice += [np.zeros(lead // HOP, bool), active]
        at += (lead + clip.size) // HOP
    return np.concatenate(parts), marks, np.concatenate(voice)


def bed_stream(n: int, *, kind: str) -> np.ndarray:
    """Unit-RMS bed: the unseen music pieces one after another (looped), or pink noise."""
    if kind == "noise":
        return pink(n, 5)
    files = sorted(str(p) for folder, pattern in UNSEEN_MUSIC_GLOBS for p in Path(folder).glob(pattern))
    if not files:
        raise SystemExit("the unseen music is not installed (Debian hyperrogue-music, asc-music); "
                         "run 'make sysdeps' as root")
    bed = np.resize(np.concatenate([read_16k(Path(f), max_s=60) for f in files]), n)
    return (bed / np.sqrt(np.mean(bed.astype(np.float64) ** 2))).astype(np.float32)


def onset_figures(prob: np.ndarray, marks: list[tuple[int, int]], voice: np.ndarray) -> dict[str, float]:
    miss = int(ONSET_MISS_S / 0.01)
    early = np.concatenate([prob[onset : onset + 50][voice[onset : onset + 50]] for _, onset in marks])
    lags = []
    for _, onset in marks:
        heard = np.flatnonzero(prob[onset : onset + miss] >= 0.5)
        lags.append(float(heard[0]) * 0.01 if heard.size else np.inf)
    arr = np.array(lags)
    bed = np.concatenate([prob[start + 50 : onset - 5] for start, onset in marks])
    return {"onsets": len(marks), "median_lag_s": round(float(np.median(arr)), 3),
            "p90_lag_s": round(float(np.percentile(arr, 90)), 3),
            "heard_within_0.1_s": round(float(np.mean(arr <= 0.1)), 4),
            "heard_within_0.3_s": round(float(np.mean(arr <= 0.3)), 4),
            "missed_1.5_s": round(float(np.mean(np.isinf(arr))), 4),
            "first_0.5_s_voice_hops_heard": round(float(np.mean(early >= 0.5)), 4),
            "bed_hops_taken_as_speech": round(float(np.mean(bed >= 0.5)), 4)}


def onset_main(json_path: Path | None) -> int:
    speech, marks, voice = onset_stream(calm_clips())
    run = ours(ActivityKind.MODEL)
    out: dict[str, dict[str, float]] = {}
    for name, kind, under_db in [("music0", "music", 0.0), ("music5", "music", 5.0), ("music10", "music", 10.0),
                                 ("music15", "music", 15.0), ("noise10", "noise", 10.0), ("none", "none", 0.0)]:
        x = speech
        if kind != "none":
            x = speech + bed_stream(speech.size, kind=kind) * np.float32(10 ** ((ONSET_VOICE_DBFS - under_db) / 20))
        out[name] = onset_figures(_fit(run(x.astype(np.float32)), voice.size), marks, voice)
        print(f"  onset {name:8s} {out[name]}", flush=True)
    if json_path:
        json_path.write_text(json.dumps({"onset_lag": out, "command": "python benchmarks/eval_activity.py --onsets",
                                         "model_dir": os.environ.get("CALMCUE_ACTIVITY_MODEL_DIR", "shipped")},
                                        indent=1) + "\n", encoding="utf-8")
    return 0


def markdown(figures: dict) -> list[str]:
    """The speech and music figures as a table (the README's)."""
    speech, music = figures["speech_ami"], figures["music_held_out"]
    names = list(speech["clean"])
    lines = ["| detector | " + " | ".join(f"{c}: F1 / AUC" for c in speech) +
             " | music taken as speech (clean / phone) |", "|---|" + "--:|" * (len(speech) + 1)]
    for name in names:
        cells = [f"{speech[c][name]['f1']:.3f} / {speech[c][name]['auc']:.3f}" for c in speech]
        taken = [f"{music[c].get(f'{name}_taken_as_speech', float('nan')):.3f}" for c in music]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {' / '.join(taken)} |")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
