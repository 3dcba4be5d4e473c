"""The result of analysing a recording, and its JSON form (the `analyze --json` contract, schema 1)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from calmcue import __version__
from calmcue.detector.baseline import BaselineValues
from calmcue.detector.calls import CallSummary
from calmcue.detector.events import Cue, Episode
from calmcue.detector.kinds import SPEAKERS
from calmcue.features.extractor import FrameBatch
from calmcue.timebase import ANALYSIS_RATE_HZ, HOP_S

FRAME_KEYS = ("level_dbfs", "f0_hz", "speech_prob", "tilt_db", "music_prob")  # music_prob: added key
SCHEMA = 1


class FrameStore:
    """Per-frame arrays kept as float32 chunks (a 2-hour two-channel file needs about 26 MB)."""

    def __init__(self, *, channels: int) -> None:
        self.speakers = SPEAKERS[:channels]
        self._chunks: dict[str, list[np.ndarray]] = {key: [] for key in FRAME_KEYS}
        self.count = 0

    def add(self, batch: FrameBatch) -> None:
        for key in FRAME_KEYS:
            self._chunks[key].append(np.asarray(getattr(batch, key), np.float32))
        self.count += batch.count

    def array(self, key: str) -> np.ndarray:
        chunks = self._chunks[key]
        return np.concatenate(chunks) if chunks else np.zeros((0, len(self.speakers)), np.float32)

    def speaker(self, name: str) -> dict[str, np.ndarray]:
        column = self.speakers.index(name)
        return {key: self.array(key)[:, column] for key in FRAME_KEYS}

    def times_s(self) -> np.ndarray:
        return (np.arange(self.count) + 1) * HOP_S


@dataclass
class AnalysisResult:
    channels: int
    duration_s: float
    episodes: list[Episode] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    calls: list[CallSummary] = field(default_factory=list)
    store: FrameStore | None = None
    speech_frames: list[int] = field(default_factory=lambda: [0, 0])
    baselines: dict[str, BaselineValues | None] = field(default_factory=dict)
    dropped_blocks: int = 0
    gain_moves: list[Any] = field(default_factory=list)  # detector.speaker.GainMove (benchmarks), not in JSON

    @property
    def frames(self) -> dict[str, Any] | None:
        if self.store is None:
            return None
        out: dict[str, Any] = {"t_s": self.store.times_s()}
        for name in self.store.speakers:
            out[name] = self.store.speaker(name)
        return out

    def stats(self) -> dict[str, Any]:
        speakers = SPEAKERS[: self.channels]
        return {
            "speech_s": {s: round(self.speech_frames[i] * HOP_S, 2) for i, s in enumerate(speakers)},
            "baseline": {s: (b.to_json() if (b := self.baselines.get(s)) else None) for s in speakers},
            "dropped_blocks": self.dropped_blocks,
        }

    def write_json(self, out: IO[str], *, with_frames: bool = True) -> None:
        """Writes the contract's JSON, streaming the per-frame arrays key by key."""
        head = {"schema": SCHEMA, "calmcue_version": __version__, "sample_rate": ANALYSIS_RATE_HZ, "hop_s": HOP_S}
        out.write(json.dumps(head)[:-1])
        if with_frames and self.store is not None:
            out.write(', "frames": {"t_s": ')
            _write_array(out, self.store.times_s(), digits=2)
            arrays = {key: self.store.array(key) for key in FRAME_KEYS}  # each key joined once, not per speaker
            for column, name in enumerate(self.store.speakers):
                out.write(f', "{name}": {{')
                for i, key in enumerate(FRAME_KEYS):
                    out.write(f'{", " if i else ""}"{key}": ')
                    _write_array(out, arrays[key][:, column], digits=3)
                out.write("}")
            out.write("}")
        out.write(', "episodes": ' + json.dumps([e.to_json() for e in self.episodes]))
        out.write(', "cues": ' + json.dumps([c.to_json() for c in self.cues]))
        out.write(', "calls": ' + json.dumps([c.to_json() for c in self.calls]))
        out.write(', "stats": ' + json.dumps(self.stats()) + "}\n")


def _write_array(out: IO[str], values: np.ndarray, *, digits: int, chunk: int = 65536) -> None:
    out.write("[")
    for start in range(0, len(values), chunk):
        part = np.round(values[start : start + chunk].astype(np.float64), digits).tolist()
        text = ", ".join("null" if math.isnan(v) else repr(v) for v in part)
        out.write((", " if start else "") + text)
    out.write("]")
