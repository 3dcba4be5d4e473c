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

GOALS: dict[str, dict[str, float]] = {  # issue 13: raised >= +9 dB over calm voice, calm <= +4 dB
    "raised_voice": {"catch_min_pct": 95.0, "false_flag_max_pct": 1.0},
    "customer_raised": {"catch_min_pct": 90.0, "false_flag_max_pct": 5.0},
    "talk_over": {"catch_min_pct": 95.0, "false_flag_max_pct": 3.0},
}
GAIN_STEP_FALSE_FLAG_MAX_PCT = 2.0  # gainstep12: the agent's calm clips after a +12 dB step
GAIN_STEP_CONDITIONS = ("gainstep12", "clipstep30", "gainstep-12", "phonestep12")
GOAL_CONDITIONS = ("clean", "phone", "gain-18", "noise10", "gainstep12")  # conditions.CONDITIONS; the rest: stress
BAND_DB = 3.0  # the curve: share flagged per 3 dB band of measured level over the speaker's calm voice
BAND_RANGE_DB = (-6.0, 30.0)  # clips outside are counted in the first or last band

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
        limit = goal["false_flag_max_pct"]
        if cue == "raised_voice" and any(o.condition in GAIN_STEP_CONDITIONS for o in outcomes):
            limit = GAIN_STEP_FALSE_FLAG_MAX_PCT
        checks[f"{cue}_catch"] = catch.pct >= goal["catch_min_pct"] if catch.n else None
        checks[f"{cue}_false_flag"] = flags.pct <= limit if flags.n else None
    return checks


def band_of(over_calm_db: float) -> float:
    """The lower edge of the 3 dB band a clip falls in (clamped to BAND_RANGE_DB)."""
    low, high = BAND_RANGE_DB
    return float(min(max(math.floor(over_calm_db / BAND_DB) * BAND_DB, low), high - BAND_DB))


def level_curve(outcomes: Iterable[Outcome], *, cue: CueKind) -> dict[float, Rate]:
    """Share flagged per 3 dB band of measured level over the speaker's calm voice (every clip, scored or not)."""
    curve: dict[float, Rate] = {}
    for outcome in outcomes:
        if outcome.cue != cue or math.isnan(outcome.over_calm_db):
            continue
        rate = curve.setdefault(band_of(outcome.over_calm_db), Rate())
        rate.n += 1
        rate.hits += int(outcome.hit)
    return dict(sorted(curve.items()))


def curve_lines(outcomes: Sequence[Outcome]) -> list[str]:
    lines = []
    for cue, who in (("raised_voice", "agent"), ("customer_raised", "customer")):
        curve = level_curve(outcomes, cue=cue)  # type: ignore[arg-type]
        if not curve:
            continue
        cells = [f"{low:+.0f}..{low + BAND_DB:+.0f}: {100.0 * r.hits / r.n:3.0f}% ({r.n})" for low, r in curve.items()]
        lines.append(f"{who} flagged by dB over calm voice: " + ", ".join(cells))
    return lines


def verdict(checks: dict[str, bool | None]) -> bool:
    return all(value is not False for value in checks.values())


HEADERS = ("agent raised caught", "calm flagged", "caller raised caught", "calm flagged", "talk_over catch",
           "false flags")
CELL = 22
COLUMNS = (("raised_voice", True), ("raised_voice", False), ("customer_raised", True), ("customer_raised", False),
           ("talk_over", True), ("talk_over", False))
KEYS = ("raised_voice_catch", "raised_voice_false_flag", "customer_raised_catch", "customer_raised_false_flag",
        "talk_over_catch", "talk_over_false_flag")


def condition_table(condition: str, results: Sequence[TaskResult], *, actors: Sequence[int]) -> str:
    outcomes = [o for r in results for o in r.outcomes]
    audio_s = sum(r.audio_s for r in results)
    analysis_s = sum(r.analysis_s for r in results)
    lines = [
        f"condition {condition}{'' if condition in GOAL_CONDITIONS else ' (stress row, not judged)'}: "
        f"{len(results)} sessions, {audio_s / 60:.0f} min of audio, "
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
    goals = []
    for cue, target in COLUMNS:
        goal = GOALS[cue]
        if target:
            goals.append(f">= {goal['catch_min_pct']:.0f} %")
        else:
            limit = GAIN_STEP_FALSE_FLAG_MAX_PCT if cue == "raised_voice" and condition in GAIN_STEP_CONDITIONS \
                else goal["false_flag_max_pct"]
            goals.append(f"<= {limit:.0f} %")
    marks = [
        f"{goal} {'-' if checks[key] is None else 'pass' if checks[key] else 'FAIL'}"
        for goal, key in zip(goals, KEYS, strict=True)
    ]
    lines.append(f"{'goal':<8}" + "".join(f"{mark:<{CELL}}" for mark in marks))
    other = Counter()
    for result in results:
        other.update(result.episode_counts)
    lines.append(intensity_line(outcomes))
    lines += curve_lines(outcomes)
    if any(o.carried_over for o in outcomes):
        lines.append(
            "c/o: flagged only by an episode that began > 0.5 s before the clip/turn (ran on from before)"
        )
    if other:
        lines.append("episodes seen: " + ", ".join(f"{key} {n}" for key, n in sorted(other.items())))
    return "\n".join(lines)


def gain_found_line(condition: str, results: Sequence[TaskResult]) -> str:
    """When each session's gain step was found: seconds after it to the first baseline move, and the dB moved."""
    parts, delays = [], []
    for r in sorted(results, key=lambda r: (r.task.session, r.task.actor, r.task.seed)):
        moves = r.gain_found
        where = f"{r.task.session[:4]}{r.task.actor}"
        if not moves:
            parts.append(f"{where} never")
            continue
        delays.append(moves[0][0])
        total_db = sum(m[1] for m in moves)
        parts.append(f"{where} {moves[0][0]:.1f}s {moves[0][2]} {moves[0][1]:+.0f}dB (total {total_db:+.0f}dB, "
                     f"{len(moves)} moves)")
    median = f"{sorted(delays)[len(delays) // 2]:.1f}" if delays else "-"
    return (f"{condition} gain step found (s after it, first move; median {median} s, "
            f"{len(delays)}/{len(results)} found): " + "; ".join(parts))


def acted_rates(outcomes: Iterable[Outcome]) -> tuple[Rate, Rate]:
    """The acted-category figures: agent clips acted loud (strong angry/fearful/happy) caught, acted quiet
    (calm/sad/neutral) flagged, whatever their measured level."""
    loud, quiet = Rate(), Rate()
    for outcome in outcomes:
        role = outcome.detail.get("role")
        if outcome.cue == "raised_voice" and role in ("loud", "quiet"):
            rate = loud if role == "loud" else quiet
            rate.n += 1
            rate.hits += int(outcome.hit)
    return loud, quiet


def intensity_line(outcomes: Sequence[Outcome]) -> str:
    """The acted-category figures beside the measured-level ones."""
    loud, quiet = acted_rates(outcomes)
    return f"agent by acted category: loud caught {loud.text().strip()}, quiet flagged {quiet.text().strip()}"


def miss_line(outcome: Outcome) -> str:
    """One -v line: what was missed or wrongly flagged, where, and what the frames and episodes said."""
    what = "MISS" if outcome.target else "FLAG"
    who = f"actor {outcome.actor}"
    if outcome.customer_actor is not None:
        who += f" (customer {outcome.customer_actor})"
    clip = outcome.file if outcome.customer_file is None else f"{outcome.customer_file} -> {outcome.file}"
    start_s, end_s = outcome.window_s
    facts = dict(outcome.detail.get("voice") or outcome.detail.get("vad") or {})
    if not math.isnan(outcome.over_calm_db):
        facts["truth_over_calm_db"] = outcome.over_calm_db
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
        entry["goal"] = condition in GOAL_CONDITIONS  # stress rows are reported, not judged
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
        loud, quiet = acted_rates(outcomes)
        entry["acted"] = {"loud_caught": loud.to_json(), "quiet_flagged": quiet.to_json()}
        entry["level_curve"] = {
            cue: {f"{low:+.0f}": rate.to_json() for low, rate in level_curve(outcomes, cue=cue).items()}  # type: ignore[arg-type]
            for cue in ("raised_voice", "customer_raised")
        }
        episode_counts: Counter[str] = Counter()
        for result in subset:
            episode_counts.update(result.episode_counts)
        entry["episodes_seen"] = dict(sorted(episode_counts.items()))
        out["conditions"][condition] = entry
        out["misses"] += [_outcome_json(o) for o in outcomes if o.is_error]
    out["pass"] = all(entry["pass"] for entry in out["conditions"].values() if entry["goal"])
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


