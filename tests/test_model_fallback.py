"""A missing, truncated or wrong-shape activity model: one clear log line and the classic detector, no crash."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from calmcue.analysis.offline import analyze_samples
from calmcue.errors import ModelError
from calmcue.features import activity_model
from calmcue.features.activity_model import DIR_ENV, MANIFEST_FILE, MODEL_FILE, ActivityKind
from calmcue.features.extractor import FeatureExtractor
from conftest import RATE, REPO, speech_with_pauses

WRONG_SHAPE = REPO / "tests" / "data" / "activity_wrong_shape.onnx"


@pytest.fixture(autouse=True)
def fresh_cache():
    activity_model._cache.clear()
    yield
    activity_model._cache.clear()


def _copy_shipped(into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    for name in (MODEL_FILE, MANIFEST_FILE):
        shutil.copy(activity_model.model_dir() / name, into / name)
    return into


def _truncated(tmp_path: Path) -> Path:
    folder = _copy_shipped(tmp_path / "truncated")
    data = (folder / MODEL_FILE).read_bytes()
    (folder / MODEL_FILE).write_bytes(data[: len(data) // 2])
    return folder


def _wrong_shape(tmp_path: Path) -> Path:
    folder = _copy_shipped(tmp_path / "wrong")
    data = WRONG_SHAPE.read_bytes()
    (folder / MODEL_FILE).write_bytes(data)
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    manifest["sha256"] = hashlib.sha256(data).hexdigest()  # a consistent pair: only the shapes are wrong
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    return folder


def _missing(tmp_path: Path) -> Path:
    folder = _copy_shipped(tmp_path / "missing")
    (folder / MODEL_FILE).unlink()
    return folder


BROKEN = {"missing": (_missing, "missing"), "truncated": (_truncated, "truncated"),
          "wrong_shape": (_wrong_shape, "shape")}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_load_says_what_is_wrong(tmp_path, case):
    make, words = BROKEN[case]
    with pytest.raises(ModelError, match=words):
        activity_model.load(make(tmp_path))


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_model_falls_back_with_one_log_line(tmp_path, monkeypatch, caplog, case):
    monkeypatch.setenv(DIR_ENV, str(BROKEN[case][0](tmp_path)))
    caplog.set_level(logging.INFO, logger="calmcue.activity")
    first = FeatureExtractor(channels=2)
    second = FeatureExtractor(channels=1)
    assert first.model is None and second.model is None
    lines = [r for r in caplog.records if r.name == "calmcue.activity"]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING
    assert "classic" in lines[0].getMessage()
    assert activity_model.in_use_label().startswith("classic")
    # the classic detector still finds the speech; music is unknown (NaN -> null in the JSON)
    result = analyze_samples(speech_with_pauses(turns=2), rate_hz=RATE)
    assert result.store is not None
    frames = result.store.speaker("agent")
    assert np.mean(frames["speech_prob"] >= 0.5) > 0.3
    assert np.all(np.isnan(frames["music_prob"]))


def _analyze(wav: Path, *extra: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "calmcue", "analyze", str(wav), "--json", "-", "--no-progress", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)


def test_cli_compares_model_and_classic_and_survives_a_truncated_model(tmp_path):
    wav = tmp_path / "speech.wav"
    sf.write(str(wav), speech_with_pauses(turns=2), RATE)
    env = {k: v for k, v in os.environ.items() if k != DIR_ENV}
    env["XDG_STATE_HOME"] = env["XDG_DATA_HOME"] = str(tmp_path / "home")
    model = _analyze(wav, "--activity", "model", env=env)
    classic = _analyze(wav, "--activity", "classic", env=env)
    assert model.returncode == 0 and classic.returncode == 0, model.stderr + classic.stderr
    music_model = json.loads(model.stdout)["frames"]["agent"]["music_prob"]
    music_classic = json.loads(classic.stdout)["frames"]["agent"]["music_prob"]
    assert all(isinstance(v, float) for v in music_model)
    assert all(v is None for v in music_classic)
    broken = _analyze(wav, env={**env, DIR_ENV: str(_truncated(tmp_path))})
    assert broken.returncode == 0
    lines = [line for line in broken.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "truncated" in lines[0] and "Traceback" not in broken.stderr
    frames = json.loads(broken.stdout)["frames"]["agent"]
    assert frames["speech_prob"] == json.loads(classic.stdout)["frames"]["agent"]["speech_prob"]


def test_bad_activity_choice_is_exit_2(tmp_path):
    wav = tmp_path / "speech.wav"
    sf.write(str(wav), np.zeros(RATE, np.float32), RATE)
    done = _analyze(wav, "--activity", "neural", env=dict(os.environ))
    assert done.returncode == 2
    assert "--activity" in done.stderr and "Traceback" not in done.stderr
    assert ActivityKind("classic") is ActivityKind.CLASSIC
