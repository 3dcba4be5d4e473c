"""The call card's words: one or two plain sentences about what happened, never a score or a feeling; where the
summary has the figure behind a sentence (dB, x your usual pace), it follows in brackets."""

from __future__ import annotations

import math

from calmcue.detector.calls import CallSummary


def times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds} s" if seconds < 90 else f"{seconds // 60} min {seconds % 60:02d} s"


def level_figure(level_db: float | None) -> str:
    """The agent's level over the whole call against their usual voice, as a figure ("" when unknown)."""
    if level_db is None or not math.isfinite(level_db):
        return ""
    return f" (over the call, {level_db:+.0f} dB from your usual level)"


def pace_figure(ratio: float | None) -> str:
    """The agent's pace over the whole call against their usual pace, as a figure ("" when unknown)."""
    if ratio is None or not math.isfinite(ratio):
        return ""
    return f" (over the call, {ratio:.1f}x your usual pace)"


def card_sentences(summary: CallSummary) -> list[str]:
    """At most two sentences, the caller's raised voice first (what trainers ask agents to look back on)."""
    out: list[str] = []
    s = summary
    if s.customer_raised_count:
        finish = "you let them finish" if s.agent_let_them_finish else "you talked over them"
        out.append(f"They were raised for {duration(s.customer_raised_s)} and {finish}.")
    if s.agent_raised_count:
        out.append(f"Your voice rose {times(s.agent_raised_count)}{level_figure(s.agent_level_vs_baseline_db)}.")
    elif s.customer_raised_count:
        out.append("Your voice stayed level.")
    if s.talk_over_count and not s.customer_raised_count:
        out.append(f"You started talking over them {times(s.talk_over_count)}.")
    if s.cues.get("fast_speech"):
        out.append(f"You sped up {times(s.cues['fast_speech'])}{pace_figure(s.agent_pace_ratio)}.")
    if s.cues.get("no_pause"):
        out.append(f"Your longest stretch without a turn for them was {duration(s.longest_agent_monologue_s)}.")
    return out[:2] or [f"That call had {s.cue_count} cue{'s' if s.cue_count != 1 else ''}."]
