"""Detection benchmark: how often raised_voice and talk_over fire when they should, and when they should not.

Sessions are built from RAVDESS by ``sessions.py`` (see there and ``benchmarks/README.md``):

- mono agent sessions, one actor each: a calm opening (calibration, never scored), then loud, quiet and
  in-between clips shuffled. A loud clip is caught when an agent raised_voice episode overlaps
  [clip start, clip end + 1 s]; a quiet clip is flagged when one overlaps [clip start, clip end].
- two-channel sessions (agent = channel 0, customer = channel 1, a different actor): after ~25 s of calm
  turns the agent answers each customer utterance politely or cuts in. A cut-in is caught when a talk_over
  episode overlaps [agent speech start, customer speech end + 1 s]; a polite answer is flagged when one
  overlaps [agent speech start, agent clip end].

Every session runs under each condition (clean, phone, gain-18, noise10, gainstep12: the issue's goals) and each
stress condition (babble10, sfx10, codec, bright6, dull6, reverb, music10, musicline, agcline, agc, comp, keys,
keys0, hotline, quietline, hotline22, reverb08, clipstep30, gainstep-12, phonestep12: conditions the
development set lacks, made from permissive or generated material in detection_stress.py; reported beside the goals,
not judged; a row whose material is not installed is skipped with one line saying what to install). Prints a table per
condition and an overall pass/fail against the goals; ``-v`` adds one line per miss or false flag with what the
frames showed.

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
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from tqdm import tqdm

try:  # imported as part of the repository (tests): benchmarks.sessions
    from benchmarks import conditions, sessions
    from benchmarks import detection_frames as frames
    from benchmarks import detection_report as report
except ImportError:  # run as a script: python benchmarks/eval_detection.py
    import conditions  # type: ignore[no-redef]
    import detection_frames as frames  # type: ignore[no-redef]
    import detection_report as report  # type: ignore[no-redef]
    import sessions  # type: ignore[no-redef]

CueKind = Literal["raised_voice", "customer_raised", "talk_over"]
SessionKind = Literal["mono", "two_channel"]

CATCH_AFTER_S = 1.0  # a loud clip / cut-in still counts as caught when the episode starts this late
CARRY_OVER_S = 0.5  # a false flag's episode that began this long before the clip/turn ran on from before
RAISED_OVER_CALM_DB = 9.0  # truth: a clip this far above the speaker's calm voice is raised (ANSI S3.5: between
CALM_OVER_CALM_DB = 4.0  # "raised" +6 and "loud" +12); this far or less is not; in between is not scored


# ------------------------------------------------------------------------------------------ tasks


@dataclass(frozen=True)
class Task:
    session: SessionKind
    actor: int  # the agent
    customer_actor: int | None
    seed: int
    condition: str
    sensitivity: str = "normal"


@dataclass
class Outcome:
    """One scored clip (raised_voice) or turn (talk_over)."""

    cue: CueKind
    target: bool | None  # True: the cue should fire (raised clip, cut-in); False: it should not; None: unscored
    hit: bool  # an episode overlapped the scoring window
    condition: str
    actor: int
    customer_actor: int | None
    seed: int
    file: str  # the agent clip
    customer_file: str | None
    window_s: tuple[float, float]
    detail: dict[str, Any] = field(default_factory=dict)
    over_calm_db: float = math.nan  # raised-voice clips: measured level over the speaker's calm voice (clean)

    @classmethod
    def of(cls, task: Task, *, cue: CueKind, target: bool | None, hit: bool, file: str, customer_file: str | None,
           window_s: tuple[float, float], detail: dict[str, Any], over_calm_db: float = math.nan) -> Outcome:
        """An outcome of `task` (its condition, actor, seed; the customer's actor where a customer file plays)."""
        return cls(cue=cue, target=target, hit=hit, condition=task.condition, actor=task.actor,
                   customer_actor=task.customer_actor if customer_file is not None else None, seed=task.seed,
                   file=file, customer_file=customer_file, window_s=window_s, detail=detail,
                   over_calm_db=over_calm_db)

    @property
    def label(self) -> str:
        if self.cue == "talk_over":
            return "cut-in" if self.target else "polite"
        return {True: "raised", False: "calm", None: "between"}[self.target]

    @property
    def is_error(self) -> bool:
        return self.target is not None and self.hit != self.target

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
    gain_found: list[tuple[float, float, str]] = field(default_factory=list)  # gain-step rows: each baseline
    # move after the step (s after it, dB, "step" or "rebase")


def make_tasks(
    *, actors: Sequence[int], n_sessions: int, conditions: Sequence[str], two_channel: bool = True,
    mono: bool = True, sensitivity: str = "normal",
) -> list[Task]:
    """Mono sessions per actor and seed; two-channel ones pair each actor with the next one as customer."""
    tasks = []
    for condition in conditions:
        for actor in actors:
            for seed in range(n_sessions):
                if mono:
                    tasks.append(Task("mono", actor, None, seed, condition, sensitivity))
                if two_channel:
                    tasks.append(Task("two_channel", actor, customer_for(actor), seed, condition, sensitivity))
    return tasks


def customer_for(actor: int) -> int:
    """The customer voice for an agent actor: the next actor in 1..6 (a different voice and gender)."""
    ring = sessions.ACTORS
    return ring[(ring.index(actor) + 1) % len(ring)]


def condition_seed(task: Task) -> int:
    return 7919 * task.actor + 31 * (task.customer_actor or 0) + task.seed


def level_truth(over_calm_db: float) -> bool | None:
    """Raised (>= +9 dB over the speaker's calm voice), calm (<= +4 dB), or None: in between, not scored."""
    if over_calm_db >= RAISED_OVER_CALM_DB:
        return True
    if over_calm_db <= CALM_OVER_CALM_DB:
        return False
    return None


# ---------------------------------------------------------------------------------------- scoring


def score_mono(
    clips: Sequence[sessions.PlacedClip], episodes: Sequence[Any], tracks: dict[str, frames.Track], *, task: Task
) -> list[Outcome]:
    """Raised clips caught / calm clips flagged by agent raised_voice episodes (calm opening not scored).

    The truth is the clip's measured level over the actor's calm voice (``level_truth``); the acted category
    (the manifest's role) stays in the detail for the acted-category line.
    """
    raised = [e for e in episodes if e.kind == "raised_voice" and e.speaker == "agent"]
    calm_end_s = max((c.end_s for c in clips if c.calibration), default=0.0)
    calm = frames.voice_summary(tracks["agent"], start_s=0.0, end_s=calm_end_s)
    calm_speech_s = round(frames.speech_seconds(tracks["agent"], start_s=0.0, end_s=calm_end_s), 2)
    outcomes = []
    for clip in clips:
        if clip.calibration:
            continue
        target = level_truth(clip.over_calm_db)
        window_s = (clip.start_s, clip.end_s + (CATCH_AFTER_S if target is not False else 0.0))
        hit = any(frames.overlaps(e, start_s=window_s[0], end_s=window_s[1]) for e in raised)
        voice = frames.voice_summary(tracks["agent"], start_s=clip.speech_start_s, end_s=clip.speech_end_s)
        detail = {
            "intensity": clip.intensity,
            "role": clip.role,
            "calm_opening_speech_s": calm_speech_s,
            "voice": frames.relative_to(voice, calm),
            "episodes": frames.related_episodes(raised, start_s=window_s[0], end_s=window_s[1]),
        }
        outcomes.append(Outcome.of(task, cue="raised_voice", target=target, hit=hit, file=clip.file,
                                   customer_file=None, window_s=window_s, detail=detail,
                                   over_calm_db=clip.over_calm_db))
    return outcomes


def score_customer(turns: Sequence[sessions.Turn], episodes: Sequence[Any], *, task: Task) -> list[Outcome]:
    """The caller's raised clips caught / calm clips flagged by customer raised_voice episodes ("let them vent").

    Every customer clip is scored, the calm opening too: a caller has no calm opening the detector could rely on.
    """
    raised = [e for e in episodes if e.kind == "raised_voice" and e.speaker == "customer"]
    outcomes = []
    for turn in turns:
        target = level_truth(turn.customer_over_calm_db)
        end_s = turn.customer_end_s + (CATCH_AFTER_S if target is not False else 0.0)
        window_s = (turn.customer_start_s, end_s)
        hit = any(frames.overlaps(e, start_s=window_s[0], end_s=window_s[1]) for e in raised)
        detail = {"intensity": turn.customer_intensity, "turn": turn.kind,
                  "episodes": frames.related_episodes(raised, start_s=window_s[0], end_s=window_s[1])}
        outcomes.append(Outcome.of(task, cue="customer_raised", target=target, hit=hit, file=turn.agent_file,
                                   customer_file=turn.customer_file, window_s=window_s, detail=detail,
                                   over_calm_db=turn.customer_over_calm_db))
    return outcomes


def speech_end_detected(track: frames.Track, *, start_s: float, until_s: float) -> float:
    """Centre time of the last speech frame in [start_s, until_s], or NaN."""
    part = track.span(start_s, until_s)
    speech = np.flatnonzero(track.speech_prob[part] >= frames.SPEECH_PROB)
    return float(track.centre_s[part][speech[-1]]) if speech.size else math.nan


def speech_onset_detected(track: frames.Track, *, start_s: float, until_s: float) -> float:
    part = track.span(start_s, until_s)
    speech = np.flatnonzero(track.speech_prob[part] >= frames.SPEECH_PROB)
    return float(track.centre_s[part][speech[0]]) if speech.size else math.nan


def turn_detail(turn: sessions.Turn, tracks: dict[str, frames.Track]) -> dict[str, float]:
    """What the voice-activity frames saw around the agent's start, relative to the true speech times."""
    agent, customer = tracks["agent"], tracks["customer"]
    before = customer.span(turn.customer_speech_start_s, turn.agent_speech_start_s)
    both = agent.span(turn.agent_speech_start_s, turn.customer_speech_end_s + 0.5)
    overlap = (agent.speech_prob[both] >= frames.SPEECH_PROB) & (customer.speech_prob[both] >= frames.SPEECH_PROB)
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
            float(np.mean(customer.speech_prob[before] >= frames.SPEECH_PROB)), 2
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
    turns: Sequence[sessions.Turn], episodes: Sequence[Any], tracks: dict[str, frames.Track], *, task: Task
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
        hit = any(frames.overlaps(e, start_s=window_s[0], end_s=window_s[1]) for e in talk_over)
        detail = {
            "vad": turn_detail(turn, tracks),
            "episodes": frames.related_episodes(talk_over, start_s=window_s[0], end_s=window_s[1]),
        }
        outcomes.append(Outcome.of(task, cue="talk_over", target=target, hit=hit, file=turn.agent_file,
                                   customer_file=turn.customer_file, window_s=window_s, detail=detail))
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
    from calmcue.config.schema import DetectorSettings, Settings

    if task.session == "mono":
        samples, items = sessions.build_mono_session(task.actor, task.seed)
    else:
        assert task.customer_actor is not None
        samples, items = sessions.build_two_channel_session(task.actor, task.customer_actor, task.seed)
    samples, rate_hz = conditions.apply_condition(
        samples,
        sessions.RATE_HZ,
        task.condition,
        condition_seed(task),
        level_span_s=(0.0, calm_opening_end_s(items)),
    )
    started = time.perf_counter()
    settings = Settings(detector=DetectorSettings(sensitivity=task.sensitivity))
    result = analyze_samples(samples, rate_hz=rate_hz, settings=settings, keep_frames=True)
    analysis_s = time.perf_counter() - started
    tracks = frames.tracks_from(result.frames)
    if task.session == "mono":
        outcomes = score_mono(items, result.episodes, tracks, task=task)
    else:
        outcomes = score_turns(items, result.episodes, tracks, task=task) + \
            score_customer(items, result.episodes, task=task)
    counts = Counter(f"{task.session}:{e.kind}/{e.speaker}" for e in result.episodes)
    step_s = calm_opening_end_s(items)
    found = [(m.t_s - step_s, m.shift_db, m.kind) for m in result.gain_moves if m.t_s >= step_s] \
        if task.condition in report.GAIN_STEP_CONDITIONS else []
    return TaskResult(task, outcomes, len(samples) / rate_hz, analysis_s, dict(counts), found)


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


# --------------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="actors 1,2, one session each, clean + phone")
    parser.add_argument(
        "--conditions", help=f"comma list from {','.join(conditions.ALL_CONDITIONS)} (default: all)"
    )
    parser.add_argument("--actors", help="comma list of agent actors 1-6 (default: all)")
    parser.add_argument("--sessions", type=int, help="sessions per actor and kind (default 3, --quick 1)")
    parser.add_argument("--no-two-channel", action="store_true", help="mono raised_voice sessions only")
    parser.add_argument("--no-mono", action="store_true", help="two-channel sessions only")
    parser.add_argument("--sensitivity", default="normal", choices=("gentle", "normal", "strict"),
                        help="the detector's sensitivity preset (each is a point on the level curve)")
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
        conditions.ALL_CONDITIONS,
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
    for condition in [c for c in args.conditions if conditions.missing(c)]:
        print(f"skipped {conditions.missing(condition)}", file=sys.stderr)
        args.conditions.remove(condition)
    tasks = make_tasks(
        actors=args.actors,
        n_sessions=args.sessions,
        conditions=args.conditions,
        two_channel=not args.no_two_channel,
        mono=not args.no_mono,
        sensitivity=args.sensitivity,
    )
    sessions.load_manifest()  # once, before the workers fork
    results = run_all(tasks, jobs=args.jobs)
    for condition in args.conditions:
        subset = [r for r in results if r.task.condition == condition]
        print(report.condition_table(condition, subset, actors=args.actors), end="\n\n")
        if condition in report.GAIN_STEP_CONDITIONS:
            print(report.gain_found_line(condition, subset), end="\n\n")
    summary = report.summary_json(results, conditions=args.conditions, actors=args.actors)
    for condition, entry in summary["conditions"].items():
        stress = "" if entry["goal"] else "  (stress row: measured against the goals, not judged)"
        print(f"{condition:<10}{'pass' if entry['pass'] else 'FAIL'}{stress}")
    print(f"overall   {'PASS' if summary['pass'] else 'FAIL'}")
    if args.verbose:
        print()
        for outcome in sorted(
            (o for r in results for o in r.outcomes if o.is_error),
            key=lambda o: (o.cue, o.condition, o.label, o.actor, o.seed, o.window_s),
        ):
            print(report.miss_line(outcome))
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
