"""Trains the activity model (p(speech), p(music) per 10 ms hop) and writes the ONNX file and its manifest.

    python models/train/train.py [--scenes 3000] [--minutes 16] [--out src/calmcue/models]

Steps: read the licensed sources (sources.py), mix 6 s scenes (mixtures.py), compute the model's input with the
app's own numpy code (calmcue.features.activity_input, fed by the app's reframer, spectrum and pitch tracker),
train a small GRU in torch on one CPU thread, export it to ONNX with explicit state input and output, check the
export against torch with onnxruntime, and write the manifest (sha256, shapes, data and licences, figures).
Needs the `train` extra (torch, onnx). Seeded: the same data and seed give the same model up to float rounding.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import mixtures  # noqa: E402
import sources  # noqa: E402

from calmcue.features.activity_input import FEATURES, ActivityInput  # noqa: E402
from calmcue.features.pitch import yin  # noqa: E402
from calmcue.features.reframer import Reframer  # noqa: E402
from calmcue.features.spectral import power_spectrum  # noqa: E402

HIDDEN = 32
BATCH = 128
CROP = 250  # hops
NAME = "calmcue-activity"
VERSION = "1.0.0"


def features_of(samples: np.ndarray) -> np.ndarray:
    """(hops, FEATURES) for a mono 16 kHz signal, through the same code the engine runs."""
    windows = Reframer(channels=1).push(samples[:, None])
    parts = []
    maker = ActivityInput(channels=1)
    for start in range(0, windows.shape[0], 500):  # bounded memory for YIN's FFT buffers
        w = windows[start : start + 500]
        periodicity = np.maximum(1.0 - yin(w).aperiodicity, 0.0)
        parts.append(maker.process(power_spectrum(w), periodicity))
    return np.concatenate(parts)[:, 0, :]


def build(rng: np.random.Generator, pools: mixtures.Pools, count: int) -> tuple[np.ndarray, np.ndarray]:
    xs = np.zeros((count, mixtures.SCENE_HOPS, FEATURES), np.float32)
    ys = np.zeros((count, mixtures.SCENE_HOPS, 2), np.float32)
    for i in range(count):
        samples, labels = mixtures.scene(rng, pools)
        feats = features_of(samples)
        n = min(feats.shape[0], labels.shape[0])
        xs[i, :n], ys[i, :n] = feats[:n], labels[:n]
    return xs, ys


def make_model():  # type: ignore[no-untyped-def]
    import torch

    class ActivityNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inp = torch.nn.Linear(FEATURES, HIDDEN)
            self.gru = torch.nn.GRU(HIDDEN, HIDDEN)
            self.out = torch.nn.Linear(HIDDEN, 2)

        def forward(self, features, state):  # type: ignore[no-untyped-def]
            hidden, state_out = self.gru(torch.tanh(self.inp(features)), state)
            return torch.sigmoid(self.out(hidden)), state_out

    return ActivityNet()


def train(xs: np.ndarray, ys: np.ndarray, vx: np.ndarray, vy: np.ndarray, *, minutes: float, seed: int):  # type: ignore[no-untyped-def]
    import torch

    torch.manual_seed(seed)
    # one thread: on the shared 2-core machine an epoch took about 2 min with two threads (they wait for each
    # other at every step) and about 20 s with one
    torch.set_num_threads(1)
    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    x_t, y_t = torch.from_numpy(xs), torch.from_numpy(ys)
    v_x, v_y = torch.from_numpy(vx).transpose(0, 1), torch.from_numpy(vy).transpose(0, 1)
    gen = np.random.default_rng(seed)
    deadline = time.monotonic() + minutes * 60.0
    epoch, best, best_state = 0, float("inf"), None
    while time.monotonic() < deadline:
        order = gen.permutation(xs.shape[0])
        model.train()
        for b in range(0, order.size, BATCH):
            # a random 2.5 s crop of each scene: the GRU's cost is per step, so short crops in wide batches
            # give many more updates per CPU second than whole scenes
            start = int(gen.integers(0, xs.shape[1] - CROP + 1))
            idx = torch.from_numpy(order[b : b + BATCH])
            x = x_t[idx, start : start + CROP].transpose(0, 1)
            y = y_t[idx, start : start + CROP].transpose(0, 1)
            prob, _ = model(x, torch.zeros(1, x.shape[1], HIDDEN))
            loss = torch.nn.functional.binary_cross_entropy(prob[20:], y[20:])  # 0.2 s to settle
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            if time.monotonic() > deadline:
                break
        epoch += 1
        model.eval()
        with torch.no_grad():
            prob, _ = model(v_x, torch.zeros(1, v_x.shape[1], HIDDEN))
            val = float(torch.nn.functional.binary_cross_entropy(prob[20:], v_y[20:]))
        print(f"epoch {epoch}: train loss {loss.item():.4f}, validation loss {val:.4f}", flush=True)
        if val < best:
            best, best_state = val, {k: v.clone() for k, v in model.state_dict().items()}
        if epoch in (15, 25):
            for group in opt.param_groups:
                group["lr"] *= 0.4
    model.load_state_dict(best_state)
    model.eval()
    return model, epoch, best


def export(model, path: Path) -> None:  # type: ignore[no-untyped-def]
    import torch

    example = (torch.zeros(7, 2, FEATURES), torch.zeros(1, 2, HIDDEN))
    torch.onnx.export(model, example, str(path), input_names=["features", "state"],
                      output_names=["probs", "state_out"], opset_version=17, dynamo=False,
                      dynamic_axes={"features": {0: "hops", 1: "channels"}, "state": {1: "channels"},
                                    "probs": {0: "hops", 1: "channels"}, "state_out": {1: "channels"}})


def figures(prob: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Validation figures at threshold 0.5 (frames after the first 0.2 s of each scene)."""
    p, y = prob[:, 20:].reshape(-1, 2), labels[:, 20:].reshape(-1, 2) > 0.5
    speech_hit = p[:, 0] >= 0.5
    tp = float(np.sum(speech_hit & y[:, 0]))
    precision = tp / max(1.0, float(speech_hit.sum()))
    recall = tp / max(1.0, float(y[:, 0].sum()))
    music_only = y[:, 1] & ~y[:, 0]
    return {"speech_f1": round(2 * precision * recall / max(1e-9, precision + recall), 4),
            "speech_recall": round(recall, 4), "speech_precision": round(precision, 4),
            "music_only_frames_taken_as_speech": round(float(np.mean(speech_hit[music_only])), 4),
            "music_recall": round(float(np.mean(p[y[:, 1], 1] >= 0.5)), 4)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=3000)
    parser.add_argument("--validation-scenes", type=int, default=160)
    parser.add_argument("--minutes", type=float, default=16.0, help="training time budget (wall clock)")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--out", type=Path, default=HERE.parents[1] / "src" / "calmcue" / "models")
    args = parser.parse_args()
    started = time.monotonic()
    speech, speech_src = sources.load("speech")
    music, music_src = sources.load("music")
    noise, noise_src = sources.load("noise")
    held_music, _ = sources.load("music", held_out=True)
    val_speech = [sources.read_16k(p) for p in sorted((sources.data_root() / "train" / "resemblyzer-librispeech" /
                                                       "audio_data" / "librispeech_test-other").glob("*/*.flac"))]
    print(f"read {len(speech)} speech, {len(music)} music, {len(noise)} noise clips "
          f"({time.monotonic() - started:.0f} s)", flush=True)
    pools = mixtures.make_pools(speech, music, noise)
    val_pools = mixtures.make_pools(val_speech, held_music, noise)
    cache = HERE.parents[1] / "build" / "model" / f"scenes-{args.seed}-{args.scenes}-{args.validation_scenes}.npz"
    if cache.exists():  # the same seed and counts give the same scenes: reuse them after an interrupted run
        with np.load(cache) as saved:
            xs, ys, vx, vy = (saved[k] for k in ("xs", "ys", "vx", "vy"))
    else:
        xs, ys = build(np.random.default_rng(args.seed), pools, args.scenes)
        vx, vy = build(np.random.default_rng(args.seed + 1), val_pools, args.validation_scenes)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, xs=xs, ys=ys, vx=vx, vy=vy)
    data_s = time.monotonic() - started
    print(f"built {args.scenes} + {args.validation_scenes} scenes ({data_s:.0f} s)", flush=True)
    model, epochs, val_loss = train(xs, ys, vx, vy, minutes=args.minutes, seed=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / "activity.onnx"
    export(model, onnx_path)
    prob = check_export(model, onnx_path, vx)
    figs = figures(prob.transpose(1, 0, 2), vy)
    print("validation (unseen speakers and music):", figs, flush=True)
    write_manifest(args, onnx_path, speech_src + music_src + noise_src, figs, epochs=epochs, val_loss=val_loss,
                   seconds=time.monotonic() - started)
    return 0


def check_export(model, onnx_path: Path, vx: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    import onnxruntime
    import torch

    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    x = np.ascontiguousarray(vx.transpose(1, 0, 2))
    state = np.zeros((1, x.shape[1], HIDDEN), np.float32)
    prob, _ = session.run(None, {"features": x, "state": state})
    with torch.no_grad():
        ref, _ = model(torch.from_numpy(x), torch.from_numpy(state))
    gap = float(np.max(np.abs(prob - ref.numpy())))
    if gap > 1e-4:
        raise SystemExit(f"ONNX export differs from torch by {gap}")
    return np.asarray(prob)


def write_manifest(args: argparse.Namespace, onnx_path: Path, used: list[sources.Source], figs: dict[str, float],
                   *, epochs: int, val_loss: float, seconds: float) -> None:
    import torch

    data = onnx_path.read_bytes()
    manifest = {
        "name": NAME, "version": VERSION, "file": onnx_path.name,
        "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
        "sample_rate_hz": 16000, "hop_s": 0.01, "hidden": HIDDEN,
        "features": {"count": FEATURES, "module": "calmcue.features.activity_input",
                     "what": "20 log-mel bands 300-3400 Hz relative to their mean, band level against its 2 s "
                             "running mean, band level, YIN periodicity"},
        "inputs": [{"name": "features", "shape": ["hops", "channels", FEATURES], "type": "float32"},
                   {"name": "state", "shape": [1, "channels", HIDDEN], "type": "float32"}],
        "outputs": [{"name": "probs", "shape": ["hops", "channels", 2], "type": "float32",
                     "columns": ["speech", "music"]},
                    {"name": "state_out", "shape": [1, "channels", HIDDEN], "type": "float32"}],
        "training_data": [{"name": s.name, "kind": s.kind, "licence": s.licence, "origin": s.origin} for s in used]
        + [{"name": "synthetic tones and coloured noise", "kind": "other", "licence": "generated here (GPL-3.0+)",
            "origin": "models/train/mixtures.py"}],
        "labels": "energy of each clean clip (models/train/mixtures.py); no teacher model",
        "not_used_for_training": ["ravdess16k", "emodb16k", "fda_ue", "ami (evaluation)",
                                  "held-out music: " + ", ".join(sources.HELD_OUT_MUSIC)],
        "command": f"make model  (python models/train/train.py --scenes {args.scenes} --minutes {args.minutes:g} "
                   f"--seed {args.seed})",
        "trained_with": {"torch": torch.__version__, "epochs": epochs, "seconds": round(seconds),
                         "scenes": args.scenes, "scene_s": mixtures.SCENE_S},
        "figures": {"validation": figs, "validation_loss": round(val_loss, 4),
                    "validation_data": "LibriSpeech test-other (10 unseen speakers) + held-out music, mixed as in "
                                       "training", "benchmarks": "benchmarks/results/activity.json"},
    }
    path = onnx_path.with_suffix(".json")
    path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {onnx_path} ({len(data)} bytes) and {path}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
