"""The detection benchmark's summary: rates against the goals, the per-condition tables, the JSON, the -v lines.

Split from eval_detection.py, which runs the sessions; this module only reads their outcomes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from eval_detection import CueKind, Outcome, TaskResult

GOALS: dict[str, dict[str, float]] = {
    "raised_voice": {"catch_min_pct": 95.0, "false_flag_max_pct": 2.0},
    "talk_over": {"catch_min_pct": 90.0, "false_flag_max_pct": 5.0},
}
LOUDER_THAN_CALM_DB = 8.0  # quiet clips whose speech measures this far above the calm opening are split out

@dataclass
class Rate:
    hits: int = 0
    n: int = 0
    carried_over: int = 0  # false flags by episodes that began before the clip or turn

    @property
    def pct(self) -> float:
        return 100.0 * self.hits / self.n if self.n else math.nan

    def text(self) -> str:
        if not self.n:
            return "   -"
        carried = f", {self.carried_over} c/o" if self.carried_over else ""
        return f"{self.pct:5.1f} % ({self.hits}/{self.n}{carried})"

    def to_json(self) -> dict[str, Any]:
        pct = None if math.isnan(self.pct) else round(self.pct, 2)
        return {"hits": self.hits, "n": self.n, "pct": pct, "carried_over": self.carried_over}


def rates(outcomes: Iterable[Outcome], *, cue: CueKind, target: bool) -> Rate:
    rate = Rate()
    for outcome in outcomes:
        if outcome.cue == cue and outcome.target == target:
            rate.n += 1
            rate.hits += int(outcome.hit)
            rate.carried_over += int(outcome.carried_over)
    return rate


def goal_checks(outcomes: Sequence[Outcome]) -> dict[str, bool | None]:
    """Pass/fail per goal (None when the goal had nothing to score)."""
    checks: dict[str, bool | None] = {}
    for cue, goal in GOALS.items():
        catch = rates(outcomes, cue=cue, target=True)  # type: ignore[arg-type]
        flags = rates(outcomes, cue=cue, target=False)  # type: ignore[arg-type]
        checks[f"{cue}_catch"] = catch.pct >= goal["catch_min_pct"] if catch.n else None
        checks[f"{cue}_false_flag"] = flags.pct <= goal["false_flag_max_pct"] if flags.n else None
    return checks


def verdict(checks: dict[str, bool | None]) -> bool:
    return all(value is not False for value in checks.values())


HEADERS = ("raised_voice catch", "false flags", "talk_over catch", "false flags")
CELL = 24
COLUMNS = (("raised_voice", True), ("raised_voice", False), ("talk_over", True), ("talk_over", False))


def condition_table(condition: str, results: Sequence[TaskResult], *, actors: Sequence[int]) -> str:
    outcomes = [o for r in results for o in r.outcomes]
    audio_s = sum(r.audio_s for r in results)
    analysis_s = sum(r.analysis_s for r in results)
    lines = [
        f"condition {condition}: {len(results)} sessions, {audio_s / 60:.0f} min of audio, "
        f"analysed at {audio_s / max(analysis_s, 1e-9):.0f}x real time",
        f"{'actor':<8}" + "".join(f"{name:<{CELL}}" for name in HEADERS),
    ]
    for actor in [*actors, None]:
        subset = outcomes if actor is None else [o for o in outcomes if o.actor == actor]
        cells = [rates(subset, cue=cue, target=target).text() for cue, target in COLUMNS]  # type: ignore[arg-type]
        lines.append(
            f"{'all' if actor is None else actor!s:<8}" + "".join(f"{cell:<{CELL}}" for cell in cells)
        )
    checks = goal_checks(outcomes)
    goals = [">= 95 %", "<= 2 %", ">= 90 %", "<= 5 %"]
    keys = ["raised_voice_catch", "raised_voice_false_flag", "talk_over_catch", "talk_over_false_flag"]
    marks = [
        f"{goal} {'-' if checks[key] is None else 'pass' if checks[key] else 'FAIL'}"
        for goal, key in zip(goals, keys, strict=True)
    ]
    lines.append(f"{'goal':<8}" + "".join(f"{mark:<{CELL}}" for mark in marks))
    other = Counter()
    for result in results:
        other.update(result.episode_counts)
    lines.append(intensity_line(outcomes))
    if any(o.carried_over for o in outcomes):
        lines.append(
            "c/o: flagged only by an episode that began > 0.5 s before the clip/turn (ran on from before)"
        )
    if other:
        lines.append("episodes seen: " + ", ".join(f"{key} {n}" for key, n in sorted(other.items())))
    return "\n".join(lines)


def intensity_line(outcomes: Sequence[Outcome]) -> str:
    """Quiet-clip false flags split by the manifest's intensity column and by the measured level."""
    parts = []
    for intensity in ("normal", "strong"):
        subset = [o for o in outcomes if o.detail.get("intensity") == intensity]
        parts.append(f"{intensity} {rates(subset, cue='raised_voice', target=False).text().strip()}")
    quiet = [o for o in outcomes if o.cue == "raised_voice" and not o.target]
    louder = [o for o in quiet if o.detail["voice"]["level_p50_over_calm_db"] >= LOUDER_THAN_CALM_DB]
    softer = [o for o in quiet if o not in louder]
    for name, subset in (
        (f"< +{LOUDER_THAN_CALM_DB:.0f} dB", softer),
        (f">= +{LOUDER_THAN_CALM_DB:.0f} dB", louder),
    ):
        parts.append(
            f"{name} over the calm opening {rates(subset, cue='raised_voice', target=False).text().strip()}"
        )
    return (
        "quiet false flags by intensity: "
        + ", ".join(parts[:2])
        + "; by measured level: "
        + ", ".join(parts[2:])
    )


def miss_line(outcome: Outcome) -> str:
    """One -v line: what was missed or wrongly flagged, where, and what the frames and episodes said."""
    what = "MISS" if outcome.target else "FLAG"
    who = f"actor {outcome.actor}"
    if outcome.customer_actor is not None:
        who += f" (customer {outcome.customer_actor})"
    clip = outcome.file if outcome.customer_file is None else f"{outcome.customer_file} -> {outcome.file}"
    start_s, end_s = outcome.window_s
    facts = dict(outcome.detail.get("voice") or outcome.detail.get("vad") or {})
    if "calm_opening_speech_s" in outcome.detail:
        facts["calm_opening_speech_s"] = outcome.detail["calm_opening_speech_s"]
    facts_text = " ".join(f"{key}={value:.2f}" for key, value in facts.items() if not math.isnan(value))
    if "intensity" in outcome.detail:
        facts_text = f"intensity={outcome.detail['intensity']} " + facts_text
    episodes = outcome.detail.get("episodes") or []
    if episodes:
        ep = episodes[0]
        evidence = " ".join(f"{key}={value}" for key, value in ep["evidence"].items())
        episode_text = f"episode {ep['start_rel_s']:+.2f}..{ep['end_rel_s']:+.2f} s [{evidence}]"
        if outcome.carried_over:
            episode_text = "carried over: " + episode_text
    else:
        episode_text = "no episode nearby"
    return (
        f"{what} {outcome.label:<7} {outcome.condition:<8} {who} seed {outcome.seed} {clip} "
        f"window {start_s:.2f}-{end_s:.2f} s | {facts_text} | {episode_text}"
    )


def summary_json(results: Sequence[TaskResult], *, conditions: Sequence[str], actors: Sequence[int]) -> dict:
    out: dict[str, Any] = {"schema": 1, "goals": GOALS, "conditions": {}, "misses": []}
    for condition in conditions:
        subset = [r for r in results if r.task.condition == condition]
        outcomes = [o for r in subset for o in r.outcomes]
        entry: dict[str, Any] = {
            "audio_s": round(sum(r.audio_s for r in subset), 1),
            "realtime_factor": round(
                sum(r.audio_s for r in subset) / max(sum(r.analysis_s for r in subset), 1e-9)
            ),
            "checks": goal_checks(outcomes),
        }
        entry["pass"] = verdict(entry["checks"])
        for cue in GOALS:
            entry[cue] = {
                "catch": rates(outcomes, cue=cue, target=True).to_json(),  # type: ignore[arg-type]
                "false_flag": rates(outcomes, cue=cue, target=False).to_json(),  # type: ignore[arg-type]
                "per_actor": {
                    str(actor): {
                        "catch": rates(
                            [o for o in outcomes if o.actor == actor], cue=cue, target=True
                        ).to_json(),  # type: ignore[arg-type]
                        "false_flag": rates(
                            [o for o in outcomes if o.actor == actor], cue=cue, target=False
                        ).to_json(),  # type: ignore[arg-type]
                    }
                    for actor in actors
                },
            }
        episode_counts: Counter[str] = Counter()
        for result in subset:
            episode_counts.update(result.episode_counts)
        entry["episodes_seen"] = dict(sorted(episode_counts.items()))
        out["conditions"][condition] = entry
        out["misses"] += [_outcome_json(o) for o in outcomes if o.is_error]
    out["pass"] = all(entry["pass"] for entry in out["conditions"].values())
    return out


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    data = asdict(outcome)
    data["label"] = outcome.label
    return _no_nan(data)


def _no_nan(value: Any) -> Any:
    """JSON-safe copy: NaN becomes null, numpy scalars become Python numbers, tuples become lists."""
    if isinstance(value, dict):
        return {key: _no_nan(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_no_nan(item) for item in value]
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


