"""The agent's voice coming back on the call audio (talker echo) is not the caller (detector/echo.py): the gate finds
the echo's lag and loss from the two level tracks, and a caller frame counts only when it stands over that echo."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench_sessions import Turn, analysed_two_channel
from calmcue.detector.echo import EchoGate

ROOM_DBFS = -70.0


def _agent_levels(seconds: float, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The agent's level per 10 ms frame and whether they speak: turns of syllables (4 a second) and pauses."""
    rng = np.random.default_rng(seed)
    frames = int(seconds * 100)
    t = np.arange(frames) / 100.0
    speaking = (np.sin(2 * np.pi * t / 7.0 + rng.uniform(0, 6)) > -0.2)
    syllable = -30.0 + 12.0 * np.sin(np.pi * 4.0 * t) ** 2 + rng.normal(0.0, 1.5, frames)
    return np.where(speaking, syllable, ROOM_DBFS), speaking


def _run(gate: EchoGate, agent: np.ndarray, speaking: np.ndarray, caller: np.ndarray) -> np.ndarray:
    return np.array([gate.step(agent_level_dbfs=float(a), agent_speech=bool(s), caller_level_dbfs=float(c))
                     for a, s, c in zip(agent, speaking, caller, strict=True)])


def test_an_echo_is_found_with_its_lag_and_loss_and_the_caller_over_it_still_counts() -> None:
    agent, speaking = _agent_levels(30.0, seed=1)
    lag, loss_db = 18, 20.0
    echo = np.full_like(agent, ROOM_DBFS)
    echo[lag:] = np.maximum(agent[:-lag] - loss_db, ROOM_DBFS)
    caller = echo.copy()
    talking = slice(2500, 2600)  # the caller talks over the agent for a second near the end, 25 dB over the echo
    caller[talking] = echo[talking] + 25.0
    gate = EchoGate()
    said = _run(gate, agent, speaking, caller)
    assert gate.lag_frames in (lag - 1, lag, lag + 1) and abs(gate.loss_db - loss_db) < 3.0
    echoed = np.zeros_like(speaking)
    echoed[lag:] = speaking[:-lag]
    late = np.arange(len(agent)) >= 1000  # once the echo is known
    caller_frames = np.zeros_like(speaking)
    caller_frames[talking] = True
    assert said[late & echoed & ~caller_frames].mean() > 0.95  # the echo is the agent's, not the caller's
    assert not said[caller_frames & echoed].any()  # the caller talking over it is theirs
    assert said[late & ~echoed].mean() < 0.05  # nothing is called echo where the agent said nothing


def test_no_echo_is_found_where_the_caller_takes_turns_with_the_agent() -> None:
    agent, speaking = _agent_levels(60.0, seed=2)
    caller_levels, _ = _agent_levels(60.0, seed=3)
    caller = np.where(speaking, ROOM_DBFS + np.random.default_rng(4).normal(0, 1.0, len(agent)), caller_levels)
    gate = EchoGate()
    assert not _run(gate, agent, speaking, caller).any()
    assert gate.lag_frames == 0 and gate.correlation < 0.6  # well under the bar (0.7)


def test_the_callers_voice_leaking_into_the_agents_mic_is_no_echo() -> None:
    """An open headset: the mic hears the caller 15 dB down at once, and hears it as speech. The mic's level then
    follows the caller's (a level envelope matches itself at a 30-100 ms lag), but the caller channel is louder than
    that "source": no echo, and the caller is never silenced."""
    caller, talking = _agent_levels(60.0, seed=5)
    mic = np.where(talking, caller - 15.0, ROOM_DBFS)
    gate = EchoGate()
    said = _run(gate, mic, talking, caller)
    assert gate.lag_frames == 0 and not said.any()


def test_an_agents_raised_voice_echoed_back_is_not_a_raised_caller(shared_data: Path) -> None:
    """Agent actor 4, caller actor 5, the benchmark's echo row: 8 of the caller's 18 calm clips read raised without
    the gate (the agent's raised voice 20 dB down, 120-250 ms late, on the caller's line)."""
    episodes, turns = analysed_two_channel(actor=4, customer_actor=5, condition="echo", data_dir=shared_data)
    raised = [e for e in episodes if e.kind == "raised_voice" and e.speaker == "customer"]
    calm = [t for t in turns if t.kind != "calibration" and t.customer_over_calm_db <= 4.0]
    loud = [t for t in turns if t.kind != "calibration" and t.customer_over_calm_db >= 9.0]
    assert len(calm) >= 10 and len(loud) >= 5

    def flagged(turn: Turn) -> bool:
        return any(e.start_s < turn.customer_speech_end_s and e.end_s > turn.customer_speech_start_s for e in raised)

    assert sum(map(flagged, calm)) <= 1
    assert sum(map(flagged, loud)) >= 0.8 * len(loud)  # the caller's own raises are still theirs


def test_the_gates_reading_is_the_decayed_correlation_at_the_best_lag() -> None:
    """The running sums (a strided view of the rings times the caller's terms) read what the definition gives:
    per lag, the correlation of the agent's level while speaking with the caller channel's level `lag` frames
    later, each update's pairs weighted DECAY per update since."""
    from calmcue.detector import echo

    agent, speaking = _agent_levels(12.0, seed=5)
    lag = 23
    caller = np.full_like(agent, ROOM_DBFS) + np.random.default_rng(6).normal(0.0, 1.0, len(agent))
    echo_dbfs = agent[:-lag] - 15.0 + np.random.default_rng(7).normal(0.0, 3.0, len(agent) - lag)
    caller[lag:] = np.maximum(caller[lag:], echo_dbfs)
    gate = EchoGate()
    _run(gate, agent, speaking, caller)
    updates = len(agent) // echo.UPDATE_FRAMES
    frames = np.arange(updates * echo.UPDATE_FRAMES)
    weight_of_frame = echo.DECAY ** (updates - 1 - frames // echo.UPDATE_FRAMES)
    best = (-np.inf, 0)
    for candidate in echo._LAGS:
        t = frames[(frames >= candidate)]
        pair = speaking[t - candidate]
        w, x, y = weight_of_frame[t][pair], agent[t - candidate][pair], caller[t][pair]
        if w.sum() < echo.MIN_PAIRS:
            continue
        mx, my = np.average(x, weights=w), np.average(y, weights=w)
        r = np.average((x - mx) * (y - my), weights=w) / np.sqrt(
            np.average((x - mx) ** 2, weights=w) * np.average((y - my) ** 2, weights=w))
        best = max(best, (r, int(candidate)))
    assert best[1] == lag and gate.lag_frames == lag
    assert abs(gate.correlation - best[0]) < 1e-9
