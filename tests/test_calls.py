"""Calls and their summaries: known answers frame by frame, synthetic sessions, the demo call, live = batch."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from calmcue.analysis.offline import analyze_file, analyze_samples
from calmcue.audio.sources import SyntheticSource
from calmcue.config.schema import Settings
from calmcue.detector.baseline import BaselineValues
from calmcue.detector.calls import CallEnd, CallFrame, CallSummary, CallTracker
from calmcue.detector.events import Cue, Episode
from calmcue.engine.commands import NewCall
from calmcue.engine.mailbox import CallMessage, Mailbox, Status
from calmcue.engine.worker import Worker
from conftest import RATE, REPO, silence, syllables

pytestmark = pytest.mark.usefixtures("classic_activity")


DEMO = REPO / "build" / "demo" / "demo_call.wav"
BOUND_S = 60.0
BASE = BaselineValues(level_dbfs=-30.0, pitch_st=0.0, tilt_db=-8.0, rate_syl_s=4.0)


def frame(*, agent: bool = False, customer: bool = False, signal: bool = True, level: float = -25.0,
          rate: float = 5.0, monologue: int | None = None) -> CallFrame:
    return CallFrame(agent_speech=agent, customer_speech=customer, call_signal=signal, agent_voiced=agent,
                     agent_level_dbfs=level, agent_rate_syl_s=rate, monologue_start=monologue)


def test_a_call_with_call_audio_runs_from_its_first_to_its_last_frame_of_call_audio() -> None:
    tracker = CallTracker(call_audio=True, gap_frames=300, baseline=lambda: BASE)
    out: list[CallSummary] = []
    for f in range(100):
        out += tracker.step(f, frame(signal=False), [])
    events_at = {
        450: [Episode("raised_voice", "customer", 4.0, 6.0)],
        520: [Episode("talk_over", "agent", 5.0, 5.5), Cue("talk_over", "agent", 5.2, "Let them finish - listen")],
        800: [Episode("raised_voice", "agent", 7.0, 7.5), Cue("raised_voice", "agent", 7.2, "x")],
    }
    for f in range(100, 1100):  # 10 s of call audio: agent speaks 300-699, customer 700-999
        facts = frame(agent=300 <= f < 700, customer=700 <= f < 1000, monologue=300 if 300 <= f < 700 else None)
        out += tracker.step(f, facts, events_at.get(f, []))
    assert out == [] and tracker.in_call
    for f in range(1100, 1400):
        out += tracker.step(f, frame(signal=False), [])
    assert out == [] and tracker.in_call  # the gap is not over yet
    out += tracker.step(1400, frame(signal=False), [])
    assert len(out) == 1 and not tracker.in_call
    call = out[0]
    assert (call.start_s, call.end_s, call.duration_s) == (1.0, 11.0, pytest.approx(10.0))
    assert call.ended_by == CallEnd.CALL_AUDIO_GAP and call.call_audio
    assert call.agent_talk_s == pytest.approx(4.0) and call.customer_talk_s == pytest.approx(3.0)
    assert call.agent_talk_share == pytest.approx(4 / 7) and call.customer_talk_share == pytest.approx(3 / 7)
    assert call.longest_agent_monologue_s == pytest.approx(4.0)
    assert call.talk_over_count == 1 and call.customer_raised_s == pytest.approx(2.0)
    assert call.agent_let_them_finish is False  # the talk-over fell inside the caller's raised stretch
    assert call.agent_raised_count == 1 and call.agent_raised_s == pytest.approx(0.5)
    assert call.agent_level_vs_baseline_db == pytest.approx(5.0, abs=0.11)
    assert call.agent_pace_ratio == pytest.approx(1.25, abs=0.02)
    assert call.cues == {"raised_voice": 1, "talk_over": 1, "fast_speech": 0, "no_pause": 0}


def test_the_agent_let_them_finish_when_no_talk_over_falls_in_a_raised_stretch() -> None:
    tracker = CallTracker(call_audio=True, gap_frames=100, baseline=lambda: None)
    for f in range(400):
        events = {200: [Episode("raised_voice", "customer", 0.5, 1.5), Episode("talk_over", "agent", 2.0, 2.6)]}
        tracker.step(f, frame(agent=f < 150, customer=f >= 150), events.get(f, []))
    call = tracker.finish(400)[0]
    assert call.agent_let_them_finish is True and call.talk_over_count == 1
    assert call.agent_level_vs_baseline_db is None and call.agent_pace_ratio is None  # no baseline yet
    assert call.ended_by == CallEnd.END_OF_STREAM and call.end_s == 4.0


def test_mic_only_a_call_starts_at_speech_and_ends_by_new_call() -> None:
    tracker = CallTracker(call_audio=False, gap_frames=100, baseline=lambda: BASE)
    for f in range(500):
        tracker.step(f, frame(agent=200 <= f < 450, signal=False), [])
    call = tracker.end(500, CallEnd.NEW_CALL)[0]
    assert (call.start_s, call.end_s) == (2.0, 5.0)
    assert call.customer_talk_s is None and call.agent_talk_share is None and not call.call_audio
    assert call.ended_by == "new_call"
    assert tracker.finish(600) == []  # nothing open any more


def test_a_call_with_hardly_any_speech_gives_no_summary() -> None:
    tracker = CallTracker(call_audio=True, gap_frames=50, baseline=lambda: BASE)
    out = [s for f in range(300) for s in tracker.step(f, frame(signal=f < 100, agent=f < 50), [])]
    assert out == [] and not tracker.in_call


def test_summary_json_round_trips_and_holds_numbers_only() -> None:
    tracker = CallTracker(call_audio=True, gap_frames=50, baseline=lambda: BASE)
    for f in range(300):
        tracker.step(f, frame(agent=f % 3 == 0, customer=f % 3 == 1), [])
    call = tracker.finish(300)[0]
    data = json.loads(json.dumps(call.to_json()))
    assert CallSummary.from_json(data).to_json() == call.to_json()
    flat = [v for v in data.values() if not isinstance(v, dict)] + list(data["cues"].values())
    assert all(v is None or isinstance(v, bool | int | float) for v in flat if not isinstance(v, str))
    assert {k for k, v in data.items() if isinstance(v, str)} == {"ended_by"}


# --- whole sessions ----------------------------------------------------------------------------------------


def two_calls() -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Two calls of alternating 3 s turns (agent, customer, ...); between them 12 s of digital silence on the
    call audio (longer than the 10 s new-call gap). Returns samples (n, 2) and each call's (start_s, end_s)."""
    parts, calls, t = [], [], 0.0
    for call, turns in enumerate((8, 6)):
        start = t
        for i in range(turns):
            voice = syllables(seconds=3.0, seed=10 * call + i, f0_hz=120.0 if i % 2 == 0 else 210.0,
                              level_dbfs=-28.0)
            quiet = silence(3.0, seed=50 + i)
            pair = (voice, quiet * 0.1) if i % 2 == 0 else (quiet, voice)
            parts += [np.stack(pair, axis=1), np.stack([silence(0.5, seed=70 + i), silence(0.5, seed=80 + i)], 1)]
            t += 3.5
        calls.append((start, t))
        if call == 0:
            gap = np.stack([silence(12.0, seed=90), np.zeros(12 * RATE, np.float32)], axis=1)
            parts.append(gap)
            t += 12.0
    return np.concatenate(parts).astype(np.float32), calls


def test_two_calls_separated_by_silent_call_audio_give_two_summaries() -> None:
    samples, truth = two_calls()
    result = analyze_samples(samples, rate_hz=RATE, keep_frames=False)
    assert len(result.calls) == 2
    for call, (start_s, end_s) in zip(result.calls, truth, strict=True):
        assert call.start_s == pytest.approx(start_s, abs=0.2)  # the first 32 ms window is mostly padding
        assert call.end_s == pytest.approx(end_s, abs=0.05)
        turns = round((end_s - start_s) / 3.5)
        assert call.agent_talk_s == pytest.approx(3.0 * turns / 2, rel=0.2)  # speech detected within 20 %
        assert call.customer_talk_s == pytest.approx(3.0 * turns / 2, rel=0.2)
        assert 0.4 < call.agent_talk_share < 0.6
        assert call.longest_agent_monologue_s == pytest.approx(3.0, abs=0.5)  # one turn: the caller answers
        assert call.talk_over_count == 0 and call.customer_raised_count == 0
    assert result.calls[0].ended_by == "call_audio_gap" and result.calls[1].ended_by == "end_of_stream"


@pytest.mark.parametrize("block_s", [160 / RATE, 317 / RATE, 1024 / RATE])
def test_live_gives_the_same_call_summaries_as_analyze(block_s: float) -> None:
    samples, _ = two_calls()
    reference = [c.to_json() for c in analyze_samples(samples, rate_hz=RATE, keep_frames=False).calls]
    worker = Worker(settings=Settings(), mailbox=Mailbox(),
                    source_factory=lambda: SyntheticSource(samples, rate_hz=RATE, block_s=block_s))
    live = [m.summary.to_json() for m in _run(worker) if isinstance(m, CallMessage)]
    assert live == reference and len(live) == 2


def test_new_call_command_ends_the_call_in_progress() -> None:
    samples = np.concatenate([syllables(seconds=3.0, seed=s) for s in range(4)])  # mic only, 12 s
    mailbox = Mailbox()
    worker = Worker(settings=Settings(), mailbox=mailbox,
                    source_factory=lambda: SyntheticSource(samples, rate_hz=RATE, realtime=True, speed=4.0))
    worker.start()
    seen: list = []
    try:
        assert _wait(mailbox, seen, lambda: any(getattr(m, "t_s", 0.0) > 4.0 for m in seen))
        worker.commands.put(NewCall())
        assert _wait(mailbox, seen, lambda: any(isinstance(m, CallMessage) for m in seen))
        first = next(m.summary for m in seen if isinstance(m, CallMessage))
        assert first.ended_by == "new_call" and first.start_s < 0.5 and 4.0 < first.end_s < 12.0
        assert _wait(mailbox, seen, lambda: _finished(seen))
    finally:
        assert worker.stop(timeout_s=10.0)
    calls = [m.summary for m in seen + mailbox.drain() if isinstance(m, CallMessage)]
    assert [c.ended_by for c in calls] == ["new_call", "end_of_stream"]
    assert calls[1].start_s >= first.end_s


def test_demo_call_summary_matches_its_script() -> None:
    if not DEMO.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{DEMO} missing: make demo")
        pytest.skip(f"{DEMO} missing: make demo")
    script = {e["what"] + "/" + e["speaker"]: e for e in
              json.loads(DEMO.with_suffix(".events.json").read_text())}
    result = analyze_file(DEMO, keep_frames=False)
    [call] = result.calls
    assert call.start_s < 1.0 and call.end_s == pytest.approx(result.duration_s, abs=0.1)
    assert call.talk_over_count == 1 and call.agent_raised_count == 1
    assert call.customer_raised_count >= 1 and call.agent_let_them_finish is False  # it talked over the venting
    raised = script["raised_voice/customer"]
    assert 0.5 * (raised["end_s"] - raised["start_s"]) < call.customer_raised_s <= raised["end_s"] - raised["start_s"]
    assert call.cue_count == len(result.cues)
    assert call.cues["talk_over"] == 1 and call.cues["fast_speech"] >= 1
    assert call.agent_pace_ratio is not None and call.agent_pace_ratio > 1.0  # it rushed an explanation
    assert math.isclose(call.agent_talk_share + call.customer_talk_share, 1.0)
    on_disk = json.loads(_analyze_json(DEMO))["calls"]
    assert on_disk == [call.to_json()]


def _analyze_json(path: Path) -> str:
    import io

    out = io.StringIO()
    analyze_file(path, keep_frames=False).write_json(out, with_frames=False)
    return out.getvalue()


def _finished(messages: list) -> bool:
    return any(isinstance(m, Status) and m.state == "finished" for m in messages)


def _wait(mailbox: Mailbox, seen: list, condition, timeout_s: float = BOUND_S) -> bool:
    import time

    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        mailbox.wait(0.1)
        seen += mailbox.drain()
    return True


def _run(worker: Worker) -> list:
    seen: list = []
    worker.start()
    try:
        assert _wait(worker.mailbox, seen, lambda: _finished(seen))
    finally:
        assert worker.stop(timeout_s=10.0)
    return seen + worker.mailbox.drain()


def test_monitor_events_jsonl_writes_the_same_call_summaries_as_analyze_json(tmp_path: Path) -> None:
    import subprocess
    import sys

    import soundfile as sf

    samples, _ = two_calls()
    wav = tmp_path / "two_calls.wav"
    sf.write(wav, samples, RATE, subtype="FLOAT")
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "CALMCUE_CONFIG_DIR": str(tmp_path / "config"),
           "CALMCUE_DATA_DIR": str(tmp_path / "data"), "CALMCUE_POLICY_FILE": str(tmp_path / "policy.toml")}

    def calmcue(*args: str | Path) -> None:
        proc = subprocess.run([sys.executable, "-m", "calmcue", *map(str, args)], capture_output=True, text=True,
                              env=env, timeout=300)
        assert proc.returncode == 0, proc.stderr

    calmcue("analyze", wav, "--no-frames", "--json", tmp_path / "a.json")
    calmcue("monitor", "--file", wav, "--speed", "20", "--events-jsonl", tmp_path / "events.jsonl")
    records = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    live = [{k: v for k, v in r.items() if k != "type"} for r in records if r["type"] == "call_summary"]
    assert live == json.loads((tmp_path / "a.json").read_text())["calls"] and len(live) == 2
