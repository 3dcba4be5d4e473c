"""The demo's plan (src/calmcue/demo/demo_call.baseline.json, written by scripts/make_demo.py): its saved agent
baseline is what the engine's own calibration learns from the demo's calm opening, and starting the demo
there with that baseline gives the same cues as the whole call, the first within seconds."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from calmcue.analysis.offline import analyze_samples
from calmcue.audio.sources import FileSource, SourceEnded
from calmcue.demo import shipped_demo, shipped_events
from calmcue.detector.baseline import load_baseline
from calmcue.detector.kinds import Speaker

PLAN = shipped_demo().with_name("demo_call.baseline.json")
FIRST_CUE_WITHIN_S = 10.0


@pytest.fixture(scope="module")
def demo() -> tuple[np.ndarray, int]:
    audio, rate = sf.read(shipped_demo(), dtype="float32", always_2d=True)
    return audio, rate


def test_the_saved_baseline_is_what_calibration_on_the_demo_learns(demo: tuple[np.ndarray, int]) -> None:
    audio, rate = demo
    plan = json.loads(PLAN.read_text())
    calm = next(e for e in json.loads(shipped_events().read_text()) if e["what"] == "calm_baseline")
    assert plan["calm_end_s"] == calm["end_s"]
    assert plan["length_s"] == pytest.approx(audio.shape[0] / rate, abs=0.01)
    learned = analyze_samples(audio[: round(calm["end_s"] * rate)], rate_hz=rate, keep_frames=False)
    agent = learned.baselines[Speaker.AGENT]
    assert agent is not None, "the calm opening holds enough of the agent's speech to calibrate"
    saved = load_baseline(PLAN)
    for name in ("level_dbfs", "pitch_st", "tilt_db", "rate_syl_s"):
        assert getattr(saved, name) == pytest.approx(getattr(agent, name), abs=0.01), \
            f"{name}: run 'make demo-asset' after changing the engine's calibration"


def test_from_the_saved_baseline_the_demo_gives_its_cues_within_seconds(demo: tuple[np.ndarray, int]) -> None:
    audio, rate = demo
    plan = json.loads(PLAN.read_text())
    start = round(plan["start_s"] * rate)
    whole = analyze_samples(audio, rate_hz=rate, keep_frames=False)
    short = analyze_samples(audio[start:], rate_hz=rate, keep_frames=False, agent_baseline=load_baseline(PLAN))
    assert short.cues, "cues from the shortened demo"
    assert short.cues[0].t_s <= FIRST_CUE_WITHIN_S
    assert whole.cues[0].t_s > short.cues[0].t_s + 20.0, "the whole call learns first"
    assert [(c.kind, c.speaker) for c in short.cues] == [(c.kind, c.speaker) for c in whole.cues]
    for mine, theirs in zip(short.cues, whole.cues, strict=True):
        assert mine.t_s + plan["start_s"] == pytest.approx(theirs.t_s, abs=0.1)


def test_a_file_source_plays_from_its_start_time(demo: tuple[np.ndarray, int]) -> None:
    audio, rate = demo
    source = FileSource(shipped_demo(), realtime=False, start_s=32.98)
    source.start()
    blocks = []
    try:
        while True:
            block = source.read(1.0)
            if block is not None:
                blocks.append(block)
    except SourceEnded:
        pass
    played = np.concatenate(blocks)
    assert np.array_equal(played, audio[round(32.98 * rate):])
