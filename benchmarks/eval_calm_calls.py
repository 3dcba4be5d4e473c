"""Calm calls between two voices nobody tuned on: how often CalmCue would cue an agent who does everything right.

Each LibriSpeech test-other reader (``librispeech_pace.py``, CC BY 4.0) is the agent of `--callers` calls (default
3), the next readers (by id) its callers. The agent's calibration utterances come first (the caller's line quiet),
then the two take turns utterance by utterance: the agent always answers 0.3-1.2 s after the caller has finished
(eval_detection.py's POLITE_GAP_S), the caller 0.3-1.2 s after the agent, until either runs out of utterances. Each
channel's pauses hold pink noise 3 dB under that reader's own recording floor (as eval_detection_readers.py).
Everything said is calm and polite, so every cue is a false one: reported per condition as cues an hour of call
(raised voice each side, talk-over) and, as the detection benchmark scores them, the calm 3 s chunks flagged on each
side (<= +4 dB over that reader's calibration level; goals 1 % agent, 5 % caller) and the agent's turns flagged as
cutting in (goal 3 %). ``--corpus prompts``: the calls are between the four IVR voices of phone_prompts.py (real
telephone-band speech; each voice the agent of up to three calls), each line's noise 45 dB under its voice's calm
level, as eval_detection_readers.py --corpus prompts.

    python benchmarks/eval_calm_calls.py [--conditions clean,phone,gain-18,noise10] [--callers 3]
        [--corpus librispeech|prompts] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

try:  # imported as part of the repository (tests)
    from benchmarks import conditions, eval_detection_readers
except ImportError:  # run as a script
    import conditions  # type: ignore[no-redef]
    import eval_detection_readers  # type: ignore[no-redef]

from calmcue.analysis.offline import analyze_samples
from calmcue.detector.kinds import CueKind, Speaker

RATE_HZ = eval_detection_readers.RATE_HZ
GAP_S = (0.3, 1.2)
DEFAULT_CONDITIONS = ("clean", "phone", "gain-18", "noise10")
GOALS_PCT = {"agent": eval_detection_readers.GOAL_CALM_FLAGGED_PCT,
             "caller": eval_detection_readers.GOAL_CALLER_CALM_FLAGGED_PCT, "cut_in": 3.0}


@dataclass(frozen=True)
class Call:
    agent: str
    caller: str
    samples: np.ndarray  # (n, 2): agent, caller
    calibration_s: float
    agent_chunks: tuple[eval_detection_readers.Chunk, ...]
    caller_chunks: tuple[eval_detection_readers.Chunk, ...]
    agent_turns: tuple[tuple[float, float], ...]  # (start, end) s of each answer after the calibration


def calm_call(agent: str, caller: str, *, corpus: str = "librispeech") -> Call:
    """The agent's calibration, then turns: caller, agent, caller, ... (see the module's docstring)."""
    seed_of = eval_detection_readers.seed_of
    rng = np.random.default_rng([seed_of(agent), seed_of(caller)])
    source = eval_detection_readers.CORPORA[corpus]
    agent_cal, agent_rest = source.split(agent)
    caller_cal, caller_rest = source.split(caller)
    agent_calm = conditions.active_speech_level_dbfs(np.concatenate(agent_cal), rate_hz=RATE_HZ)
    caller_calm = conditions.active_speech_level_dbfs(np.concatenate(caller_cal), rate_hz=RATE_HZ)
    turns: list[tuple[int, np.ndarray]] = [(0, u) for u in agent_cal]  # (channel, utterance)
    for caller_says, agent_says in zip(caller_cal + caller_rest, agent_rest, strict=False):
        turns += [(1, caller_says), (0, agent_says)]
    columns: list[list[np.ndarray]] = [[], []]
    agent_chunks, caller_chunks, agent_turns = [], [], []
    t_s = calibration_s = 0.0
    for index, (channel, utterance) in enumerate(turns):
        if index == len(agent_cal):
            calibration_s = t_s
        gap = np.zeros(round(rng.uniform(*GAP_S) * RATE_HZ), np.float32)
        for c in (0, 1):
            columns[c] += [utterance if c == channel else np.zeros_like(utterance), gap]
        if index >= len(agent_cal):
            chunks = eval_detection_readers.chunks_of(agent if channel == 0 else caller, utterance, start_s=t_s,
                                                     calm_dbfs=agent_calm if channel == 0 else caller_calm)
            (agent_chunks if channel == 0 else caller_chunks).extend(chunks)
            if channel == 0:
                agent_turns.append((t_s, t_s + len(utterance) / RATE_HZ))
        t_s += (len(utterance) + len(gap)) / RATE_HZ
    tones = [eval_detection_readers.room_tone_dbfs(utterances, calm_dbfs=calm, corpus=corpus)
             for utterances, calm in ((agent_cal + agent_rest, agent_calm), (caller_cal + caller_rest, caller_calm))]
    samples = np.stack([conditions.add_room_tone(np.concatenate(columns[c]), seed=seed_of(reader),
                                                 level_dbfs=tones[c])
                        for c, reader in enumerate((agent, caller))], axis=1)
    return Call(agent, caller, samples, calibration_s, tuple(agent_chunks), tuple(caller_chunks), tuple(agent_turns))


def score(call: Call, condition: str) -> Counter[str]:
    """Counts for one call under one condition: chunks and turns scored and flagged, cues by kind."""
    samples, rate_hz = conditions.apply_condition(call.samples, RATE_HZ, condition,
                                                  eval_detection_readers.seed_of(call.agent) % 1000,
                                                  level_span_s=(0.0, call.calibration_s))
    result = analyze_samples(samples, rate_hz=rate_hz, keep_frames=False)
    after = [e for e in result.episodes if e.end_s > call.calibration_s]
    out: Counter[str] = Counter()
    for cue in result.cues:
        if cue.t_s > call.calibration_s:
            out["cues"] += 1
            out[f"cue {cue.kind} {cue.speaker}"] += 1
    for side, speaker, chunks in (("agent", Speaker.AGENT, call.agent_chunks),
                                  ("caller", Speaker.CUSTOMER, call.caller_chunks)):
        raised = [e for e in after if e.kind == CueKind.RAISED_VOICE and e.speaker == speaker]
        out[f"{side}_episodes"] += len(raised)
        for chunk in chunks:
            if chunk.truth == "calm":
                out[f"{side}_calm"] += 1
                out[f"{side}_flagged"] += any(e.start_s < chunk.end_s and e.end_s > chunk.start_s for e in raised)
    talk_over = [e for e in after if e.kind == CueKind.TALK_OVER]
    out["talk_over_episodes"] = len(talk_over)
    for start_s, end_s in call.agent_turns:
        out["cut_in_turns"] += 1
        out["cut_in_flagged"] += any(e.start_s < end_s and e.end_s > start_s for e in talk_over)
    out["minutes_x100"] = round((len(samples) / rate_hz - call.calibration_s) / 60 * 100)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conditions", default=",".join(DEFAULT_CONDITIONS),
                        help=f"comma list (default {','.join(DEFAULT_CONDITIONS)})")
    parser.add_argument("--callers", type=int, default=3, help="calls per agent, each with the next reader (default 3)")
    parser.add_argument("--corpus", choices=("librispeech", "prompts"), default="librispeech",
                        help="librispeech: calls between the ten LibriSpeech readers (default); prompts: between the "
                             "four IVR voices' telephone prompts (phone_prompts.py)")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    source = eval_detection_readers.CORPORA[args.corpus]
    problem = source.missing()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    readers = source.readers()
    if not 1 <= args.callers < len(readers):
        print(f"--callers must be 1-{len(readers) - 1}: each call pairs two different readers", file=sys.stderr)
        return 2
    calls = [calm_call(agent, readers[(i + k) % len(readers)], corpus=args.corpus) for i, agent in enumerate(readers)
             for k in range(1, args.callers + 1)]
    summary: dict[str, dict[str, float]] = {}
    for condition in args.conditions.split(","):
        total: Counter[str] = Counter()
        for call in tqdm(calls, desc=condition, leave=False):
            total.update(score(call, condition))
        hours = total["minutes_x100"] / 100 / 60
        figures = {"minutes": round(hours * 60, 1), "cues_per_hour": round(total["cues"] / hours, 1)}
        for side, scored in (("agent", "agent_calm"), ("caller", "caller_calm"), ("cut_in", "cut_in_turns")):
            figures[f"{side}_flagged_pct"] = round(100.0 * total[f"{side}_flagged"] / max(total[scored], 1), 1)
            figures[f"{side}_n"] = total[scored]
        for kind in ("agent_episodes", "caller_episodes", "talk_over_episodes"):
            figures[f"{kind}_per_hour"] = round(total[kind] / hours, 1)
        for key in sorted(k for k in total if k.startswith("cue ")):
            figures[key.replace(" ", "_") + "_per_hour"] = round(total[key] / hours, 1)
        summary[condition] = figures
        verdict = " ".join(f"{side} {figures[f'{side}_flagged_pct']:.1f} % of {figures[f'{side}_n']}"
                           f" ({'pass' if figures[f'{side}_flagged_pct'] <= goal else 'FAIL'} <= {goal:g})"
                           for side, goal in GOALS_PCT.items())
        print(f"{condition:<9} {figures['minutes']:.0f} min of calm calls: cues shown {figures['cues_per_hour']:.0f}"
              f" an hour; raised episodes an hour agent {figures['agent_episodes_per_hour']:.0f}, caller"
              f" {figures['caller_episodes_per_hour']:.0f}, talk-over {figures['talk_over_episodes_per_hour']:.0f};"
              f" flagged: {verdict}")
        print("          cues an hour by kind: " + ", ".join(f"{k[4:]} {total[k] / hours:.0f}"
                                                         for k in sorted(k for k in total if k.startswith("cue "))))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(summary, handle, indent=1)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
