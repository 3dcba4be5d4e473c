"""The call card's words: one or two plain sentences about what happened, never a score or a feeling."""

from __future__ import annotations

from calmcue.detector.calls import CallSummary


def times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds} s" if seconds < 90 else f"{seconds // 60} min {seconds % 60:02d} s"


def card_sentences(summary: CallSummary) -> list[str]:
    """At most two sentences, the caller's raised voice first (what trainers ask agents to look back on)."""
    out: list[str] = []
    s = summary
    if s.customer_raised_count:
        finish = "you let them finish" if s.agent_let_them_finish else "you talked over them"
        out.append(f"They were raised for {duration(s.customer_raised_s)} and {finish}.")
    if s.agent_raised_count:
        out.append(f"Your voice rose {times(s.agent_raised_count)}.")
    elif s.customer_raised_count:
        out.append("Your voice stayed level.")
    if s.talk_over_count and not s.customer_raised_count:
        out.append(f"You started talking over them {times(s.talk_over_count)}.")
    if s.cues.get("fast_speech"):
        out.append(f"You sped up {times(s.cues['fast_speech'])}.")
    if s.cues.get("no_pause"):
        out.append(f"Your longest stretch without a turn for them was {duration(s.longest_agent_monologue_s)}.")
    return out[:2] or [f"That call had {s.cue_count} cue{'s' if s.cue_count != 1 else ''}."]
