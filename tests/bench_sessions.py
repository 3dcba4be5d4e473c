"""The detection benchmark's two-channel sessions, built and analysed as benchmarks/eval_detection.py does, for tests
that pin a stress row's behaviour on real speech (the data comes from CALMCUE_DATA via the `shared_data` fixture)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import conditions
import eval_detection
import sessions
from calmcue.analysis.offline import analyze_samples
from calmcue.detector.events import Episode

Turn = sessions.Turn


def analysed_two_channel(*, actor: int, customer_actor: int, condition: str,
                         data_dir: Path) -> tuple[list[Episode], list[Turn]]:
    """Seed-0 session of agent `actor` and caller `customer_actor` under `condition`: its episodes and its turns."""
    task = eval_detection.Task(session="two_channel", actor=actor, customer_actor=customer_actor, seed=0,
                               condition=condition)
    samples, turns = sessions.build_two_channel_session(actor, customer_actor, 0, data_dir=data_dir)
    samples, rate_hz = conditions.apply_condition(
        samples, sessions.RATE_HZ, condition, eval_detection.condition_seed(task),
        level_span_s=(0.0, eval_detection.calm_opening_end_s(turns)))
    return analyze_samples(samples, rate_hz=rate_hz, keep_frames=False).episodes, turns
