"""Deterministic session building for the CalmCue detection benchmarks.

Sessions are stitched together from the RAVDESS clips in ``$CALMCUE_DATA/ravdess16k`` (default
``../shared/data`` from the project root). Every clip is trimmed to its speech (a simple energy threshold)
plus a short margin, so the pauses drawn here are the real gaps between speech. A quiet pink "room tone"
runs under the whole session so that pauses are never exact digital zeros (which the engine treats as a
muted microphone).

Clip roles are picked from the manifest columns only; the benchmarks report roles, never the columns:

- ``loud``: strong-intensity clips of the angry, fearful and happy rows of the manifest;
- ``quiet``: every calm, sad and neutral row;
- ``ignored``: everything else (normal-intensity angry/fearful/happy, all surprised, all disgust) - in-between
  voices that a detector may or may not call raised, so they are neither a catch nor a false flag.

Public helpers (tests reuse small versions of them):

- ``build_mono_session(actor, seed) -> (samples, clips)``
- ``build_two_channel_session(agent_actor, customer_actor, seed) -> (samples (n, 2), turns)``

The listening conditions (phone band, gain, noise) and the room tone are in ``conditions.py``.
"""

from __future__ import annotations

import csv
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import soundfile as sf
import soxr

try:  # imported as part of the repository (tests): benchmarks.conditions
    from benchmarks.conditions import active_speech_level_dbfs, add_room_tone
except ImportError:  # run as a script from benchmarks/
    from conditions import active_speech_level_dbfs, add_room_tone  # type: ignore[no-redef]

RATE_HZ = 16000
ACTORS = (1, 2, 3, 4, 5, 6)

Role = Literal["loud", "quiet", "ignored"]
TurnKind = Literal["calibration", "polite", "cut_in"]

# Manifest values used to pick clips (quoted from the dataset's manifest columns, used for selection only).
_LOUD_ROWS = {"angry", "fearful", "happy"}
_QUIET_ROWS = {"calm", "sad", "neutral"}
_CALIBRATION_ROWS = {"calm", "neutral"}

SPEECH_THRESHOLD_DB = 35.0  # a 10 ms frame is active when within this many dB of the clip's loudest frame
SPEECH_MIN_RUN_S = 0.08  # shorter bursts of active frames (clicks, lip smacks) are not speech
SPEECH_MARGIN_S = 0.10  # kept either side of the detected speech when a clip is trimmed
ROOM_TONE_DBFS = -80.0  # RMS of the pink room tone under every session (None disables it)

MONO_CALIBRATION_S = (25.0, 30.0)
MONO_CALIBRATION_PAUSE_S = (0.3, 1.5)
MONO_MIX_PAUSE_S = (0.5, 3.0)

DUO_CALIBRATION_S = 25.0
POLITE_GAP_S = (0.3, 1.2)  # agent speech starts this long after the customer's speech ends
CUT_IN_BEFORE_END_S = (0.6, 1.5)  # agent speech starts this long before the customer's speech ends ...
CUT_IN_AFTER_START_S = 1.0  # ... but at least this long after the customer's speech started
CUSTOMER_GAP_S = (0.3, 1.2)  # the customer's next turn starts this long after the agent's speech ends
CUT_IN_SHARE = 0.5  # chance that an eligible turn is a cut-in



# --------------------------------------------------------------------------------------------- data


def data_root() -> Path:
    """``$CALMCUE_DATA`` or ``../shared/data`` relative to the project root."""
    env = os.environ.get("CALMCUE_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def ravdess_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or data_root()) / "ravdess16k"


@dataclass(frozen=True)
class ClipInfo:
    """One manifest row plus its role and its speech span inside the clip file."""

    file: str
    actor: int
    role: Role
    intensity: str  # the manifest's intensity column: "normal" or "strong"
    calm_baseline: bool  # usable for the calibration part (calm or neutral rows)
    duration_s: float
    speech_start_s: float
    speech_end_s: float
    level_dbfs: float  # active-speech level of the clean clip (P.56-like, conditions.active_speech_level_dbfs)


def clip_role(*, emotion: str, intensity: str) -> Role:
    """Role of a clip from its manifest columns (see the module docstring)."""
    if emotion in _LOUD_ROWS and intensity == "strong":
        return "loud"
    if emotion in _QUIET_ROWS:
        return "quiet"
    return "ignored"


def speech_bounds(
    samples: np.ndarray,
    *,
    rate_hz: int,
    threshold_db: float = SPEECH_THRESHOLD_DB,
    min_run_s: float = SPEECH_MIN_RUN_S,
) -> tuple[float, float]:
    """Start and end of the speech in a clip, in seconds.

    A 10 ms frame is active when within ``threshold_db`` of the clip's loudest frame; runs of active frames
    shorter than ``min_run_s`` (clicks, lip smacks) are dropped; the span runs from the first kept run to the
    last.
    """
    hop = rate_hz // 100
    n_frames = max(1, len(samples) // hop)
    frames = np.zeros(n_frames * hop, dtype=np.float64)
    frames[: min(len(samples), n_frames * hop)] = samples[: n_frames * hop]
    level_db = 10.0 * np.log10(np.mean(frames.reshape(n_frames, hop) ** 2, axis=1) + 1e-12)
    active = np.concatenate([[0], (level_db > level_db.max() - threshold_db).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(active))
    runs = [(start, stop) for start, stop in zip(edges[::2], edges[1::2], strict=True)]
    kept = [run for run in runs if run[1] - run[0] >= min_run_s * 100] or runs
    return float(kept[0][0] * hop / rate_hz), float(kept[-1][1] * hop / rate_hz)


@functools.lru_cache(maxsize=1024)
def load_clip(path: str) -> np.ndarray:
    """A clip as float32 mono at 16 kHz (cached; treat the array as read-only)."""
    samples, rate_hz = sf.read(path, dtype="float32", always_2d=False)
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    if rate_hz != RATE_HZ:
        samples = soxr.resample(samples, rate_hz, RATE_HZ).astype(np.float32)
    samples.flags.writeable = False
    return samples


@functools.lru_cache(maxsize=8)
def load_manifest(data_dir: Path | None = None) -> tuple[ClipInfo, ...]:
    """All RAVDESS clips with roles and speech spans, in manifest order."""
    root = ravdess_dir(data_dir)
    clips = []
    with open(root / "manifest.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            samples = load_clip(str(root / row["file"]))
            start_s, end_s = speech_bounds(samples, rate_hz=RATE_HZ)
            clips.append(
                ClipInfo(
                    file=row["file"],
                    actor=int(row["actor"]),
                    role=clip_role(emotion=row["emotion"], intensity=row["intensity"]),
                    intensity=row["intensity"],
                    calm_baseline=row["emotion"] in _CALIBRATION_ROWS,
                    duration_s=len(samples) / RATE_HZ,
                    speech_start_s=start_s,
                    speech_end_s=end_s,
                    level_dbfs=active_speech_level_dbfs(samples, rate_hz=RATE_HZ),
                )
            )
    return tuple(clips)


def calm_level_dbfs(actor: int, *, data_dir: Path | None = None) -> float:
    """The actor's calm voice: the median active-speech level of their calm and neutral clips (clean)."""
    levels = [clip.level_dbfs for clip in actor_clips(actor, data_dir=data_dir) if clip.calm_baseline]
    return float(np.median(levels))


def over_calm_db(clip: ClipInfo, *, data_dir: Path | None = None) -> float:
    """The scoring truth of a clip: its measured level over the same speaker's calm voice, in dB."""
    return clip.level_dbfs - calm_level_dbfs(clip.actor, data_dir=data_dir)


def actor_clips(actor: int, *, data_dir: Path | None = None) -> list[ClipInfo]:
    return [clip for clip in load_manifest(data_dir) if clip.actor == actor]


def trimmed_clip(clip: ClipInfo, *, data_dir: Path | None = None) -> np.ndarray:
    """The clip's speech plus ``SPEECH_MARGIN_S`` either side."""
    samples = load_clip(str(ravdess_dir(data_dir) / clip.file))
    start = max(0, round((clip.speech_start_s - SPEECH_MARGIN_S) * RATE_HZ))
    end = min(len(samples), round((clip.speech_end_s + SPEECH_MARGIN_S) * RATE_HZ))
    return samples[start:end]


def trimmed_lead_s(clip: ClipInfo) -> float:
    """Seconds from the start of the trimmed clip to its speech start."""
    return min(SPEECH_MARGIN_S, clip.speech_start_s)


def trimmed_trail_s(clip: ClipInfo) -> float:
    """Seconds from the speech end to the end of the trimmed clip."""
    return min(SPEECH_MARGIN_S, clip.duration_s - clip.speech_end_s)


# ------------------------------------------------------------------------------------ mono sessions


@dataclass(frozen=True)
class PlacedClip:
    """A clip as placed in a mono session; times in session seconds."""

    file: str
    actor: int
    role: Role
    intensity: str
    calibration: bool  # part of the calm opening that the baseline learns from (never scored)
    over_calm_db: float  # measured level over the speaker's calm voice (the scoring truth)
    start_s: float  # trimmed clip start
    end_s: float  # trimmed clip end
    speech_start_s: float
    speech_end_s: float


def _place(clip: ClipInfo, *, start_s: float, calibration: bool, data_dir: Path | None = None) -> PlacedClip:
    lead_s = trimmed_lead_s(clip)
    speech_s = clip.speech_end_s - clip.speech_start_s
    return PlacedClip(
        file=clip.file,
        actor=clip.actor,
        role=clip.role,
        intensity=clip.intensity,
        calibration=calibration,
        over_calm_db=over_calm_db(clip, data_dir=data_dir),
        start_s=start_s,
        end_s=start_s + lead_s + speech_s + trimmed_trail_s(clip),
        speech_start_s=start_s + lead_s,
        speech_end_s=start_s + lead_s + speech_s,
    )


def _pick_calibration(
    candidates: list[ClipInfo], *, rng: np.random.Generator, target_s: tuple[float, float]
) -> tuple[list[ClipInfo], list[float]]:
    """Calm clips in random order until the opening reaches ``target_s[0]`` (never past ``target_s[1]``)."""
    chosen: list[ClipInfo] = []
    pauses: list[float] = []
    total_s = 0.0
    for index in rng.permutation(len(candidates)):
        clip = candidates[int(index)]
        pause_s = float(rng.uniform(*MONO_CALIBRATION_PAUSE_S)) if chosen else 0.0
        length_s = clip.speech_end_s - clip.speech_start_s + 2 * SPEECH_MARGIN_S
        if chosen and total_s + pause_s + length_s > target_s[1]:
            continue
        chosen.append(clip)
        pauses.append(pause_s)
        total_s += pause_s + length_s
        if total_s >= target_s[0]:
            break
    return chosen, pauses


def _stitch(pieces: list[tuple[float, np.ndarray]], *, n_samples: int) -> np.ndarray:
    out = np.zeros(n_samples, dtype=np.float32)
    for start_s, samples in pieces:
        start = round(start_s * RATE_HZ)
        end = min(n_samples, start + len(samples))
        out[start:end] += samples[: end - start]
    return out


def build_mono_session(
    actor: int,
    seed: int,
    *,
    data_dir: Path | None = None,
    max_scored_clips: int | None = None,
    calibration_s: tuple[float, float] = MONO_CALIBRATION_S,
    room_tone_dbfs: float | None = ROOM_TONE_DBFS,
) -> tuple[np.ndarray, list[PlacedClip]]:
    """An agent-only session: a calm opening, then all the actor's other clips shuffled.

    Returns float32 samples at 16 kHz, shape (n,), and the placed clips in time order. ``max_scored_clips``
    keeps only the first few clips after the calm opening (for small test sessions).
    """
    rng = np.random.default_rng([actor, seed, 1])
    clips = actor_clips(actor, data_dir=data_dir)
    calibration, pauses = _pick_calibration(
        [clip for clip in clips if clip.calm_baseline], rng=rng, target_s=calibration_s
    )
    rest = [clip for clip in clips if clip not in calibration]
    rest = [rest[int(index)] for index in rng.permutation(len(rest))]
    if max_scored_clips is not None:
        rest = rest[:max_scored_clips]
    pauses += [float(rng.uniform(*MONO_MIX_PAUSE_S)) for _ in rest]
    placed: list[PlacedClip] = []
    pieces: list[tuple[float, np.ndarray]] = []
    cursor_s = 0.5  # a little room tone before the first word
    for index, (clip, pause_s) in enumerate(zip(calibration + rest, pauses, strict=True)):
        cursor_s += pause_s
        item = _place(clip, start_s=cursor_s, calibration=index < len(calibration), data_dir=data_dir)
        placed.append(item)
        pieces.append((cursor_s, trimmed_clip(clip, data_dir=data_dir)))
        cursor_s = item.end_s
    samples = _stitch(pieces, n_samples=round((cursor_s + 1.5) * RATE_HZ))
    return add_room_tone(samples, level_dbfs=room_tone_dbfs, seed=seed * 1000 + actor), placed


# ------------------------------------------------------------------------------ two-channel sessions


@dataclass(frozen=True)
class Turn:
    """A customer utterance and the agent's answer; times in session seconds."""

    kind: TurnKind
    customer_file: str
    agent_file: str
    customer_over_calm_db: float  # the customer clip's measured level over the customer's calm voice
    customer_intensity: str
    customer_start_s: float
    customer_speech_start_s: float
    customer_speech_end_s: float
    customer_end_s: float
    agent_start_s: float  # trimmed clip start
    agent_speech_start_s: float
    agent_speech_end_s: float
    agent_end_s: float  # trimmed clip end


def _speech_s(clip: ClipInfo) -> float:
    return clip.speech_end_s - clip.speech_start_s


def cut_in_possible(clip: ClipInfo) -> bool:
    """A cut-in needs >= 1.0 s of customer speech before it and >= 0.6 s of customer speech after it."""
    return _speech_s(clip) >= CUT_IN_AFTER_START_S + CUT_IN_BEFORE_END_S[0] + 0.05


def _agent_speech_start(customer: PlacedClip, *, kind: TurnKind, rng: np.random.Generator) -> float:
    if kind == "cut_in":
        latest_before_end_s = customer.speech_end_s - customer.speech_start_s - CUT_IN_AFTER_START_S
        before_end_s = rng.uniform(CUT_IN_BEFORE_END_S[0], min(CUT_IN_BEFORE_END_S[1], latest_before_end_s))
        return customer.speech_end_s - float(before_end_s)
    return customer.speech_end_s + float(rng.uniform(*POLITE_GAP_S))


def _make_turn(
    customer_clip: ClipInfo,
    agent_clip: ClipInfo,
    *,
    kind: TurnKind,
    customer_speech_start_s: float,
    rng: np.random.Generator,
    data_dir: Path | None = None,
) -> Turn:
    customer = _place(
        customer_clip,
        start_s=customer_speech_start_s - trimmed_lead_s(customer_clip),
        calibration=kind == "calibration",
        data_dir=data_dir,
    )
    agent_speech_start_s = _agent_speech_start(customer, kind=kind, rng=rng)
    agent = _place(agent_clip, start_s=agent_speech_start_s - trimmed_lead_s(agent_clip), calibration=False,
                   data_dir=data_dir)
    return Turn(
        kind=kind,
        customer_file=customer.file,
        agent_file=agent.file,
        customer_over_calm_db=customer.over_calm_db,
        customer_intensity=customer.intensity,
        customer_start_s=customer.start_s,
        customer_speech_start_s=customer.speech_start_s,
        customer_speech_end_s=customer.speech_end_s,
        customer_end_s=customer.end_s,
        agent_start_s=agent.start_s,
        agent_speech_start_s=agent.speech_start_s,
        agent_speech_end_s=agent.speech_end_s,
        agent_end_s=agent.end_s,
    )


def _turn_plan(
    agent_clips: list[ClipInfo], customer_clips: list[ClipInfo], *, rng: np.random.Generator
) -> list[tuple[TurnKind, ClipInfo, ClipInfo]]:
    """Calm alternating turns for ~25 s, then every remaining customer clip once, answered by the agent."""
    calm_customer = [clip for clip in customer_clips if clip.calm_baseline]
    calm_agent = [clip for clip in agent_clips if clip.calm_baseline]
    calm_customer = [calm_customer[int(i)] for i in rng.permutation(len(calm_customer))]
    calm_agent = [calm_agent[int(i)] for i in rng.permutation(len(calm_agent))]
    plan: list[tuple[TurnKind, ClipInfo, ClipInfo]] = []
    total_s = 0.0
    for customer_clip, agent_clip in zip(calm_customer, calm_agent, strict=False):
        if total_s >= DUO_CALIBRATION_S:
            break
        plan.append(("calibration", customer_clip, agent_clip))
        total_s += _speech_s(customer_clip) + _speech_s(agent_clip) + 2 * float(np.mean(POLITE_GAP_S))
    used = {clip.file for _, clip, _ in plan}
    rest = [clip for clip in customer_clips if clip.file not in used]
    rest = [rest[int(i)] for i in rng.permutation(len(rest))]
    agent_order = [agent_clips[int(i)] for i in rng.permutation(len(agent_clips))]
    for index, customer_clip in enumerate(rest):
        cut_in = cut_in_possible(customer_clip) and rng.uniform() < CUT_IN_SHARE
        plan.append(("cut_in" if cut_in else "polite", customer_clip, agent_order[index % len(agent_order)]))
    return plan


def build_two_channel_session(
    agent_actor: int,
    customer_actor: int,
    seed: int,
    *,
    data_dir: Path | None = None,
    max_scored_turns: int | None = None,
    room_tone_dbfs: float | None = ROOM_TONE_DBFS,
) -> tuple[np.ndarray, list[Turn]]:
    """Customer (column 1) speaks, agent (column 0) answers politely or cuts in; float32 (n, 2) at 16 kHz.

    The first ~25 s are calm polite turns (calibration, never scored). ``max_scored_turns`` keeps only the
    first few turns after them (for small test sessions).
    """
    if agent_actor == customer_actor:
        raise ValueError("agent and customer must be different actors")
    rng = np.random.default_rng([agent_actor, customer_actor, seed, 2])
    plan = _turn_plan(
        actor_clips(agent_actor, data_dir=data_dir), actor_clips(customer_actor, data_dir=data_dir), rng=rng
    )
    if max_scored_turns is not None:
        n_calibration = sum(kind == "calibration" for kind, _, _ in plan)
        plan = plan[: n_calibration + max_scored_turns]
    turns: list[Turn] = []
    agent_pieces: list[tuple[float, np.ndarray]] = []
    customer_pieces: list[tuple[float, np.ndarray]] = []
    next_customer_speech_s = 0.6
    for kind, customer_clip, agent_clip in plan:
        turn = _make_turn(
            customer_clip, agent_clip, kind=kind, customer_speech_start_s=next_customer_speech_s, rng=rng,
            data_dir=data_dir,
        )
        turns.append(turn)
        customer_pieces.append((turn.customer_start_s, trimmed_clip(customer_clip, data_dir=data_dir)))
        agent_pieces.append((turn.agent_start_s, trimmed_clip(agent_clip, data_dir=data_dir)))
        next_customer_speech_s = max(turn.agent_speech_end_s, turn.customer_end_s) + float(
            rng.uniform(*CUSTOMER_GAP_S)
        )
    end_s = max(max(t.agent_end_s, t.customer_end_s) for t in turns) + 1.5
    n_samples = round(end_s * RATE_HZ)
    samples = np.stack(
        [_stitch(agent_pieces, n_samples=n_samples), _stitch(customer_pieces, n_samples=n_samples)], axis=1
    )
    return add_room_tone(
        samples, level_dbfs=room_tone_dbfs, seed=seed * 1000 + agent_actor * 10 + customer_actor
    ), turns
