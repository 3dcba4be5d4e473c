"""Detection benchmark: how often raised_voice and talk_over fire when they should, and when they should not.

Sessions are built from RAVDESS by ``sessions.py`` (see there and ``benchmarks/README.md``):

- mono agent sessions, one actor each: a calm opening (calibration, never scored), then loud, quiet and
  in-between clips shuffled. A loud clip is caught when an agent raised_voice episode overlaps
  [clip start, clip end + 1 s]; a quiet clip is flagged when one overlaps [clip start, clip end].
- two-channel sessions (agent = channel 0, customer = channel 1, a different actor): after ~25 s of calm
  turns the agent answers each customer utterance politely or cuts in. A cut-in is caught when a talk_over
  episode overlaps [agent speech start, customer speech end + 1 s]; a polite answer is flagged when one
  overlaps [agent speech start, agent clip end].

Every session runs under each condition (clean, phone, gain-18, noise10). Prints a table per condition and an
overall pass/fail against the goals; ``-v`` adds one line per miss or false flag with what the frames showed.

    python benchmarks/eval_detection.py [--quick] [--conditions clean,phone] [--actors 1,2] [--json OUT] [-v]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
from tqdm import tqdm

try:  # imported as part of the repository (tests): benchmarks.sessions
    from benchmarks import sessions
except ImportError:  # run as a script: python benchmarks/eval_detection.py
    import sessions  # type: ignore[no-redef]

CueKind = Literal["raised_voice", "talk_over"]
SessionKind = Literal["mono", "two_channel"]

GOALS: dict[str, dict[str, float]] = {
    "raised_voice": {"catch_min_pct": 95.0, "false_flag_max_pct": 2.0},
    "talk_over": {"catch_min_pct": 90.0, "false_flag_max_pct": 5.0},
}
CATCH_AFTER_S = 1.0  # a loud clip / cut-in still counts as caught when the episode starts this late
SPEECH_PROB = 0.5
LEVEL_WINDOW_S = 0.032  # frame t_s is the end of the level window; its centre is 16 ms earlier
LOUDER_THAN_CALM_DB = 8.0  # quiet clips whose speech measures this far above the calm opening are split out
CARRY_OVER_S = 0.5  # a false flag's episode that began this long before the clip/turn ran on from before
NEAREST_EPISODE_S = 3.0  # how far from a missed target the -v report looks for an episode


# ------------------------------------------------------------------------------------------ tasks


@dataclass(frozen=True)
class Task:
    session: SessionKind
    actor: int  # the agent
    customer_actor: int | None
    seed: int
    condition: str


@dataclass
class Outcome:
    """One scored clip (raised_voice) or turn (talk_over)."""

    cue: CueKind
    target: (
        bool  # True: the cue should fire (loud clip, cut-in); False: it should not (quiet clip, polite turn)
    )
    hit: bool  # an episode overlapped the scoring window
    condition: str
    actor: int
    customer_actor: int | None
    seed: int
    file: str  # the agent clip
    customer_file: str | None
    window_s: tuple[float, float]
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.cue == "raised_voice":
            return "loud" if self.target else "quiet"
        return "cut-in" if self.target else "polite"

    @property
    def is_error(self) -> bool:
        return self.hit != self.target

    @property
    def carried_over(self) -> bool:
        """A false flag whose episodes all began well before the window (ran on from the speech before)."""
        episodes = self.detail.get("episodes") or []
        return self.hit and not self.target and all(ep["start_rel_s"] < -CARRY_OVER_S for ep in episodes)


@dataclass
class TaskResult:
    task: Task
    outcomes: list[Outcome]
    audio_s: float
    analysis_s: float
    episode_counts: dict[str, int]


def make_tasks(
    *, actors: Sequence[int], n_sessions: int, conditions: Sequence[str], two_channel: bool = True
) -> list[Task]:
    """Mono sessions per actor and seed; two-channel ones pair each actor with the next one as customer."""
    tasks = []
    for condition in conditions:
        for actor in actors:
            for seed in range(n_sessions):
                tasks.append(Task("mono", actor, None, seed, condition))
                if two_channel:
                    tasks.append(Task("two_channel", actor, customer_for(actor), seed, condition))
    return tasks


def customer_for(actor: int) -> int:
    """The customer voice for an agent actor: the next actor in 1..6 (a different voice and gender)."""
    ring = sessions.ACTORS
    return ring[(ring.index(actor) + 1) % len(ring)]


def condition_seed(task: Task) -> int:
    return 7919 * task.actor + 31 * (task.customer_actor or 0) + task.seed


# ---------------------------------------------------------------------------------------- frames


@dataclass(frozen=True)
class Track:
    """One speaker's frames, indexed by the centre of the 32 ms level window."""

    centre_s: np.ndarray
    level_dbfs: np.ndarray
    f0_hz: np.ndarray
    speech_prob: np.ndarray
    tilt_db: np.ndarray

    def span(self, start_s: float, end_s: float) -> slice:
        lo, hi = np.searchsorted(self.centre_s, [start_s, end_s])
        return slice(int(lo), int(hi))


def tracks_from(frames: dict[str, Any]) -> dict[str, Track]:
    centre_s = np.asarray(frames["t_s"], dtype=np.float64) - LEVEL_WINDOW_S / 2
    return {
        name: Track(
            centre_s=centre_s,
            level_dbfs=np.asarray(values["level_dbfs"], dtype=np.float64),
            f0_hz=np.asarray(values["f0_hz"], dtype=np.float64),
            speech_prob=np.asarray(values["speech_prob"], dtype=np.float64),
            tilt_db=np.asarray(values["tilt_db"], dtype=np.float64),
        )
        for name, values in frames.items()
        if name != "t_s"
    }


def _median(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else math.nan


def voice_summary(track: Track, *, start_s: float, end_s: float) -> dict[str, float]:
    """Level (p50, p90), F0 and tilt medians over a span's speech frames, and its speech/voiced shares."""
    part = track.span(start_s, end_s)
    speech = track.speech_prob[part] >= SPEECH_PROB
    level = track.level_dbfs[part][speech]
    f0 = track.f0_hz[part][speech]
    return {
        "level_p50_dbfs": _median(level),
        "level_p90_dbfs": float(np.percentile(level, 90)) if level.size else math.nan,
        "f0_p50_hz": _median(f0),
        "tilt_p50_db": _median(track.tilt_db[part][speech]),
        "speech_share": float(np.mean(speech)) if speech.size else 0.0,
        "voiced_share": float(np.mean(np.isfinite(f0))) if f0.size else 0.0,
    }


def speech_seconds(track: Track, *, start_s: float, end_s: float) -> float:
    """Seconds of frames with speech_prob >= SPEECH_PROB in a span."""
    return float(np.sum(track.speech_prob[track.span(start_s, end_s)] >= SPEECH_PROB)) * 0.01


def relative_to(summary: dict[str, float], reference: dict[str, float]) -> dict[str, float]:
    """The clip's voice against the calm opening: dB, semitones, dB."""
    return {
        "level_p50_over_calm_db": summary["level_p50_dbfs"] - reference["level_p50_dbfs"],
        "level_p90_over_calm_db": summary["level_p90_dbfs"] - reference["level_p50_dbfs"],
        "pitch_over_calm_st": 12.0 * math.log2(summary["f0_p50_hz"] / reference["f0_p50_hz"])
        if summary["f0_p50_hz"] > 0 and reference["f0_p50_hz"] > 0
        else math.nan,
        "tilt_over_calm_db": summary["tilt_p50_db"] - reference["tilt_p50_db"],
        "speech_share": summary["speech_share"],
        "voiced_share": summary["voiced_share"],
    }


# -------------------------------------------------------------------------------------- episodes


def overlaps(episode: Any, *, start_s: float, end_s: float) -> bool:
    return episode.start_s < end_s and episode.end_s > start_s


def episode_info(episode: Any, *, origin_s: float) -> dict[str, Any]:
    """An episode's times relative to ``origin_s`` and its evidence, rounded for the report."""
    return {
        "start_rel_s": round(episode.start_s - origin_s, 2),
        "end_rel_s": round(episode.end_s - origin_s, 2),
        "evidence": {key: round(float(value), 2) for key, value in dict(episode.evidence).items()},
    }


def related_episodes(episodes: Iterable[Any], *, start_s: float, end_s: float) -> list[dict[str, Any]]:
    """Episodes overlapping the window, or else the nearest one within NEAREST_EPISODE_S."""
    episodes = list(episodes)
    hits = [e for e in episodes if overlaps(e, start_s=start_s, end_s=end_s)]
    if hits:
        return [episode_info(e, origin_s=start_s) for e in hits]
    near = [
        e
        for e in episodes
        if overlaps(e, start_s=start_s - NEAREST_EPISODE_S, end_s=end_s + NEAREST_EPISODE_S)
    ]
    near.sort(key=lambda e: min(abs(e.start_s - start_s), abs(e.end_s - end_s)))
    return [episode_info(e, origin_s=start_s) for e in near[:1]]


# ---------------------------------------------------------------------------------------- scoring


def score_mono(
    clips: Sequence[sessions.PlacedClip], episodes: Sequence[Any], tracks: dict[str, Track], *, task: Task
) -> list[Outcome]:
    """Loud clips caught / quiet clips flagged by agent raised_voice episodes (calm opening not scored)."""
    raised = [e for e in episodes if e.kind == "raised_voice" and e.speaker == "agent"]
    calm_end_s = max((c.end_s for c in clips if c.calibration), default=0.0)
    calm = voice_summary(tracks["agent"], start_s=0.0, end_s=calm_end_s)
    calm_speech_s = round(speech_seconds(tracks["agent"], start_s=0.0, end_s=calm_end_s), 2)
    outcomes = []
    for clip in clips:
        if clip.calibration or clip.role == "ignored":
            continue
        target = clip.role == "loud"
        window_s = (clip.start_s, clip.end_s + (CATCH_AFTER_S if target else 0.0))
        hit = any(overlaps(e, start_s=window_s[0], end_s=window_s[1]) for e in raised)
        voice = voice_summary(tracks["agent"], start_s=clip.speech_start_s, end_s=clip.speech_end_s)
        detail = {
            "intensity": clip.intensity,
            "calm_opening_speech_s": calm_speech_s,
            "voice": relative_to(voice, calm),
            "episodes": related_episodes(raised, start_s=window_s[0], end_s=window_s[1]),
        }
        outcomes.append(
            Outcome(
                cue="raised_voice",
                target=target,
                hit=hit,
                condition=task.condition,
                actor=task.actor,
                customer_actor=None,
                seed=task.seed,
                file=clip.file,
                customer_file=None,
                window_s=window_s,
                detail=detail,
            )
        )
    return outcomes


def speech_end_detected(track: Track, *, start_s: float, until_s: float) -> float:
    """Centre time of the last speech frame in [start_s, until_s], or NaN."""
    part = track.span(start_s, until_s)
    speech = np.flatnonzero(track.speech_prob[part] >= SPEECH_PROB)
    return float(track.centre_s[part][speech[-1]]) if speech.size else math.nan


def speech_onset_detected(track: Track, *, start_s: float, until_s: float) -> float:
    part = track.span(start_s, until_s)
    speech = np.flatnonzero(track.speech_prob[part] >= SPEECH_PROB)
    return float(track.centre_s[part][speech[0]]) if speech.size else math.nan


def turn_detail(turn: sessions.Turn, tracks: dict[str, Track]) -> dict[str, float]:
    """What the voice-activity frames saw around the agent's start, relative to the true speech times."""
    agent, customer = tracks["agent"], tracks["customer"]
    before = customer.span(turn.customer_speech_start_s, turn.agent_speech_start_s)
    both = agent.span(turn.agent_speech_start_s, turn.customer_speech_end_s + 0.5)
    overlap = (agent.speech_prob[both] >= SPEECH_PROB) & (customer.speech_prob[both] >= SPEECH_PROB)
    return {
        "customer_spoken_before_agent_s": round(turn.agent_speech_start_s - turn.customer_speech_start_s, 2),
        "customer_vad_onset_minus_true_s": round(
            speech_onset_detected(
                customer, start_s=turn.customer_speech_start_s - 0.5, until_s=turn.customer_speech_end_s
            )
            - turn.customer_speech_start_s,
            2,
        ),
        "customer_left_after_agent_start_s": round(turn.customer_speech_end_s - turn.agent_speech_start_s, 2),
        "customer_speech_share_before_agent": round(
            float(np.mean(customer.speech_prob[before] >= SPEECH_PROB)), 2
        )
        if before.stop > before.start
        else math.nan,
        "customer_vad_end_minus_true_s": round(
            speech_end_detected(
                customer, start_s=turn.customer_speech_start_s, until_s=turn.agent_speech_end_s
            )
            - turn.customer_speech_end_s,
            2,
        ),
        "agent_vad_onset_minus_true_s": round(
            speech_onset_detected(
                agent, start_s=turn.agent_speech_start_s - 0.5, until_s=turn.agent_speech_end_s
            )
            - turn.agent_speech_start_s,
            2,
        ),
        "vad_overlap_s": round(float(np.sum(overlap)) * 0.01, 2),
    }


def score_turns(
    turns: Sequence[sessions.Turn], episodes: Sequence[Any], tracks: dict[str, Track], *, task: Task
) -> list[Outcome]:
    """Cut-ins caught / polite answers flagged by talk_over episodes (calibration turns skipped)."""
    talk_over = [e for e in episodes if e.kind == "talk_over"]
    outcomes = []
    for turn in turns:
        if turn.kind == "calibration":
            continue
        target = turn.kind == "cut_in"
        end_s = turn.customer_speech_end_s + CATCH_AFTER_S if target else turn.agent_end_s
        window_s = (turn.agent_speech_start_s, end_s)
        hit = any(overlaps(e, start_s=window_s[0], end_s=window_s[1]) for e in talk_over)
        detail = {
            "vad": turn_detail(turn, tracks),
            "episodes": related_episodes(talk_over, start_s=window_s[0], end_s=window_s[1]),
        }
        outcomes.append(
            Outcome(
                cue="talk_over",
                target=target,
                hit=hit,
                condition=task.condition,
                actor=task.actor,
                customer_actor=task.customer_actor,
                seed=task.seed,
                file=turn.agent_file,
                customer_file=turn.customer_file,
                window_s=window_s,
                detail=detail,
            )
        )
    return outcomes


# ------------------------------------------------------------------------------------------ running


def calm_opening_end_s(items: Sequence[Any]) -> float:
    """End of the calibration part of a mono (PlacedClip) or two-channel (Turn) session."""
    ends = [
        max(
            getattr(item, "end_s", 0.0),
            getattr(item, "agent_end_s", 0.0),
            getattr(item, "customer_end_s", 0.0),
        )
        for item in items
        if getattr(item, "calibration", False) or getattr(item, "kind", "") == "calibration"
    ]
    return max(ends, default=0.0)


def run_task(task: Task) -> TaskResult:
    """Build one session, apply its condition, analyse it and score it."""
    from calmcue.analysis.offline import analyze_samples
    from calmcue.config.schema import Settings

    if task.session == "mono":
        samples, items = sessions.build_mono_session(task.actor, task.seed)
    else:
        assert task.customer_actor is not None
        samples, items = sessions.build_two_channel_session(task.actor, task.customer_actor, task.seed)
    samples, rate_hz = sessions.apply_condition(
        samples,
        sessions.RATE_HZ,
        task.condition,
        condition_seed(task),
        level_span_s=(0.0, calm_opening_end_s(items)),
    )
    started = time.perf_counter()
    result = analyze_samples(samples, rate_hz=rate_hz, settings=Settings(), keep_frames=True)
    analysis_s = time.perf_counter() - started
    tracks = tracks_from(result.frames)
    if task.session == "mono":
        outcomes = score_mono(items, result.episodes, tracks, task=task)
    else:
        outcomes = score_turns(items, result.episodes, tracks, task=task)
    counts = Counter(f"{task.session}:{e.kind}/{e.speaker}" for e in result.episodes)
    return TaskResult(task, outcomes, len(samples) / rate_hz, analysis_s, dict(counts))


def run_all(tasks: Sequence[Task], *, jobs: int) -> list[TaskResult]:
    progress = tqdm(total=len(tasks), desc="sessions", unit="session", file=sys.stderr, dynamic_ncols=True)
    results: list[TaskResult] = []
    try:
        if jobs <= 1:
            for task in tasks:
                results.append(run_task(task))
                progress.update()
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                for result in pool.map(run_task, tasks, chunksize=1):
                    results.append(result)
                    progress.update()
    finally:
        progress.close()
    return results


# ------------------------------------------------------------------------------------------ summary


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


# --------------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="actors 1,2, one session each, clean + phone")
    parser.add_argument(
        "--conditions", help=f"comma list from {','.join(sessions.CONDITIONS)} (default: all)"
    )
    parser.add_argument("--actors", help="comma list of agent actors 1-6 (default: all)")
    parser.add_argument("--sessions", type=int, help="sessions per actor and kind (default 3, --quick 1)")
    parser.add_argument("--no-two-channel", action="store_true", help="mono raised_voice sessions only")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: all cores)"
    )
    parser.add_argument(
        "--json", metavar="OUT", help="write the summary and every miss as JSON ('-' = stdout)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss and false flag")
    args = parser.parse_args(argv)
    args.conditions = _choices(
        args.conditions,
        sessions.CONDITIONS,
        default=("clean", "phone") if args.quick else None,
        parser=parser,
    )
    actor_names = tuple(str(a) for a in sessions.ACTORS)
    args.actors = [
        int(a)
        for a in _choices(args.actors, actor_names, default=("1", "2") if args.quick else None, parser=parser)
    ]
    args.sessions = args.sessions or (1 if args.quick else 3)
    return args


def _choices(
    text: str | None,
    allowed: Sequence[str],
    *,
    default: Sequence[str] | None,
    parser: argparse.ArgumentParser,
) -> list[str]:
    if text is None:
        return list(default or allowed)
    picked = [item.strip() for item in text.split(",") if item.strip()]
    bad = [item for item in picked if item not in allowed]
    if bad or not picked:
        parser.error(f"unknown choice(s) {', '.join(bad) or '(none)'}; choose from {', '.join(allowed)}")
    return picked


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    manifest = sessions.ravdess_dir() / "manifest.csv"
    if not manifest.is_file():
        print(f"error: {manifest} not found; set CALMCUE_DATA to the shared data folder", file=sys.stderr)
        return 2
    tasks = make_tasks(
        actors=args.actors,
        n_sessions=args.sessions,
        conditions=args.conditions,
        two_channel=not args.no_two_channel,
    )
    sessions.load_manifest()  # once, before the workers fork
    results = run_all(tasks, jobs=args.jobs)
    for condition in args.conditions:
        subset = [r for r in results if r.task.condition == condition]
        print(condition_table(condition, subset, actors=args.actors), end="\n\n")
    summary = summary_json(results, conditions=args.conditions, actors=args.actors)
    for condition, entry in summary["conditions"].items():
        print(f"{condition:<10}{'pass' if entry['pass'] else 'FAIL'}")
    print(f"overall   {'PASS' if summary['pass'] else 'FAIL'}")
    if args.verbose:
        print()
        for outcome in sorted(
            (o for r in results for o in r.outcomes if o.is_error),
            key=lambda o: (o.cue, o.condition, o.label, o.actor, o.seed, o.window_s),
        ):
            print(miss_line(outcome))
    if args.json:
        text = json.dumps(summary, indent=1)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w") as handle:
                handle.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
