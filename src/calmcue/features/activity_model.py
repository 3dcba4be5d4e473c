"""The learned activity model: p(speech) and p(music) per 10 ms hop and channel, run with onnxruntime.

The ONNX file and its manifest ship inside the package (`calmcue/models/`); `make model` writes them there. The
file is checked against the manifest (sha256, input and output shapes) before use. Anything wrong - no
onnxruntime, a missing, truncated or wrong-shape file - gives one log line and `None`, and the engine runs the
hand-made detector in `activity.py` instead. The session is created once per process, on first use (in the
worker thread, not on the tray's start-up path), and shared by every stream; each stream keeps its own state.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from calmcue.errors import ModelError
from calmcue.features.activity import ABSOLUTE_FLOOR_DBFS
from calmcue.features.activity_input import FEATURES, ActivityInput

MODEL_FILE = "activity.onnx"
MANIFEST_FILE = "activity.json"
DIR_ENV = "CALMCUE_ACTIVITY_MODEL_DIR"  # another folder holding both files (tests, trying a new model)
KIND_ENV = "CALMCUE_ACTIVITY"  # "model" (default) or "classic": which detector runs where no option says
log = logging.getLogger("calmcue.activity")


class ActivityKind(StrEnum):
    MODEL = "model"  # the learned model, falling back to CLASSIC when it cannot load
    CLASSIC = "classic"  # energy and periodicity over a noise floor (activity.py)


def default_kind() -> ActivityKind:
    """The detector to run where no option chose one: CALMCUE_ACTIVITY if set to a valid kind, else the model."""
    value = os.environ.get(KIND_ENV, "").strip().lower()
    return ActivityKind(value) if value in ActivityKind._value2member_map_ else ActivityKind.MODEL


@dataclass(frozen=True)
class LoadedModel:
    session: Any  # onnxruntime.InferenceSession (run() is thread-safe)
    name: str
    version: str
    sha256: str
    hidden: int

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


def model_dir() -> Path:
    override = os.environ.get(DIR_ENV)
    if override:
        return Path(override)
    return Path(str(resources.files("calmcue") / "models"))


def load(directory: Path) -> LoadedModel:
    """Reads and checks the model in `directory`; raises ModelError saying what is wrong and what to do."""
    manifest = _read_manifest(directory / MANIFEST_FILE)
    path = directory / MODEL_FILE
    try:
        data = path.read_bytes()
    except OSError:
        raise ModelError(f"{path}: missing; reinstall CalmCue or run 'make model'") from None
    if hashlib.sha256(data).hexdigest() != manifest.get("sha256"):
        raise ModelError(f"{path}: does not match its manifest (sha256; {len(data)} bytes) - the file is truncated "
                         f"or changed; reinstall CalmCue or run 'make model'")
    try:
        import onnxruntime
    except ImportError:
        raise ModelError("onnxruntime is not installed (CalmCue's install includes it); reinstall CalmCue, "
                         "or pip install onnxruntime") from None
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    # a few hops per run through a tiny graph: the arena and the memory-pattern planner only hold memory
    # (measured: the tray's idle RSS) and buy nothing at this size
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    try:
        session = onnxruntime.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own exception types for unreadable graphs
        raise ModelError(f"{path}: onnxruntime cannot load it ({str(err)[:120]}); run 'make model'") from None
    hidden = _check_shapes(session, path, manifest)
    return LoadedModel(session, str(manifest.get("name", "?")), str(manifest.get("version", "?")),
                       str(manifest["sha256"]), hidden)


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise ModelError(f"{path}: missing; reinstall CalmCue or run 'make model'") from None
    except ValueError:
        raise ModelError(f"{path}: not valid JSON; reinstall CalmCue or run 'make model'") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("sha256"), str):
        raise ModelError(f"{path}: has no sha256; reinstall CalmCue or run 'make model'")
    return manifest


def _check_shapes(session: Any, path: Path, manifest: dict[str, Any]) -> int:
    inputs = {i.name: i.shape for i in session.get_inputs()}
    outputs = {o.name: o.shape for o in session.get_outputs()}
    hidden = manifest.get("hidden")
    if not isinstance(hidden, int) or hidden <= 0:
        raise ModelError(f"{path}: its manifest gives no state size ('hidden'); reinstall CalmCue or run 'make model'")
    expected_in = {"features": FEATURES, "state": hidden}
    expected_out = {"probs": 2, "state_out": hidden}
    for found, expected in ((inputs, expected_in), (outputs, expected_out)):
        for name, last in expected.items():
            shape = found.get(name)
            if shape is None or len(shape) != 3 or shape[-1] != last:
                raise ModelError(f"{path}: {name} has shape {shape}, this CalmCue needs [.., .., {last}]; "
                                 f"the model does not fit this version - run 'make model' or reinstall")
    return hidden


_lock = threading.Lock()
_cache: dict[Path, LoadedModel | None] = {}
_problems: dict[Path, str] = {}  # why the model in that folder could not be used


def shared_model() -> LoadedModel | None:
    """The process's model, loaded on first call; None (after one log line) when it cannot be used."""
    directory = model_dir()
    with _lock:
        if directory not in _cache:
            try:
                _cache[directory] = load(directory)
                log.info("voice activity: %s (%s)", _cache[directory].label, directory)  # type: ignore[union-attr]
            except ModelError as err:
                _cache[directory] = None
                _problems[directory] = str(err)
                log.warning("activity model unavailable, using the classic voice-activity detector: %s", err)
        return _cache[directory]


def load_problem() -> str | None:
    """Why the model did not load in this process (its one line), or None: loaded, or not tried yet."""
    directory = model_dir()
    with _lock:
        failed = directory in _cache and _cache[directory] is None
        return _problems.get(directory) if failed else None


def in_use_label() -> str:
    """What the About box shows: which voice-activity detector runs. Never loads anything (no waiting in the UI):
    before the engine has started, it says so."""
    with _lock:
        if model_dir() not in _cache:
            return "not started yet"
        model = _cache[model_dir()]
    return f"learned model ({model.label})" if model else "classic (energy and periodicity; the model did not load)"


class ActivityModel:
    """One set of streams (channels) through the shared model, keeping their recurrent state."""

    def __init__(self, model: LoadedModel, *, channels: int) -> None:
        self.model = model
        self.channels = channels
        self.inputs = ActivityInput(channels=channels)
        self._state = np.zeros((1, channels, model.hidden), np.float32)

    @classmethod
    def create(cls, *, channels: int) -> ActivityModel | None:
        model = shared_model()
        return cls(model, channels=channels) if model else None

    def process(self, power: np.ndarray, periodicity: np.ndarray, level_dbfs: np.ndarray,
                silent: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(speech, music) probabilities, each (hops, channels), for the hops that arrived together.

        `silent` (hops,) marks the hops where every channel is digital silence (a muted mic and no call): their
        answer is 0 whatever the model says, so the model does not run there and its state waits for sound (a
        per-hop rule: the same numbers whatever the block sizes)."""
        features = self.inputs.process(power, periodicity)
        if silent is None and features.shape[0]:  # every hop sounds (the live case): no zeroed arrays, no mask
            return self._run(features, level_dbfs)
        speech = np.zeros((features.shape[0], self.channels), np.float32)
        music = np.zeros((features.shape[0], self.channels), np.float32)
        if silent is not None and not silent.all():
            sounding = ~silent
            speech[sounding], music[sounding] = self._run(features[sounding], level_dbfs[sounding])
        return speech, music

    def _run(self, features: np.ndarray, level_dbfs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The model over hops that follow on from its state: (speech, music), each (hops, channels)."""
        probs, self._state = self.model.session.run(None, {"features": features, "state": self._state})
        audible = level_dbfs > ABSOLUTE_FLOOR_DBFS  # digital silence is nothing, whatever the state says
        if np.count_nonzero(audible) == audible.size:  # speech: every hop audible, the model's own numbers
            return probs[..., 0], probs[..., 1]
        return np.where(audible, probs[..., 0], 0.0), np.where(audible, probs[..., 1], 0.0)
