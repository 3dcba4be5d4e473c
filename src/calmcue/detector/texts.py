"""The one table of the words a cue shows: its message and a short reason, in English source text.

The engine cannot import Qt, so the strings are marked with a local `QT_TRANSLATE_NOOP(context, text)`, which Qt's
`pylupdate6` finds by name; the UI passes Qt's translate function to `cue_message` and `cue_reason`. The words
name how someone speaks, never what they feel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from calmcue.detector.kinds import CueKind, Speaker

CONTEXT = "CalmCue"
Translate = Callable[[str, str], str]  # (context, source text) -> shown text


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks `text` for translation in `context`; returns it unchanged."""
    return text


def _source(context: str, text: str) -> str:
    return text


MESSAGES: dict[tuple[CueKind, Speaker], str] = {
    (CueKind.RAISED_VOICE, Speaker.AGENT): QT_TRANSLATE_NOOP("CalmCue", "Lower your voice - stay calm"),
    (CueKind.RAISED_VOICE, Speaker.CUSTOMER): QT_TRANSLATE_NOOP("CalmCue", "Let them vent - listen, don't interrupt"),
    (CueKind.TALK_OVER, Speaker.AGENT): QT_TRANSLATE_NOOP("CalmCue", "Let them finish - listen"),
    (CueKind.FAST_SPEECH, Speaker.AGENT): QT_TRANSLATE_NOOP("CalmCue", "Slow down"),
    (CueKind.NO_PAUSE, Speaker.AGENT): QT_TRANSLATE_NOOP("CalmCue", "Pause - let the customer speak"),
}

# (kind, speaker) -> (evidence key, its format, the reason with %1 for the number; the reason without the number)
REASONS: dict[tuple[CueKind, Speaker], tuple[str, str, str, str]] = {
    (CueKind.RAISED_VOICE, Speaker.AGENT): (
        "level_over_baseline_db", "{:+.0f}", QT_TRANSLATE_NOOP("CalmCue", "%1 dB above your usual level"),
        QT_TRANSLATE_NOOP("CalmCue", "louder than your usual level")),
    (CueKind.RAISED_VOICE, Speaker.CUSTOMER): (
        # no number: a caller's "usual level" is often the telephone-speech norm, not their own calm voice
        "level_over_baseline_db", "", QT_TRANSLATE_NOOP("CalmCue", "their voice is raised - let them finish"),
        QT_TRANSLATE_NOOP("CalmCue", "their voice is raised - let them finish")),
    (CueKind.TALK_OVER, Speaker.AGENT): (
        "customer_talk_s", "{:.1f}", QT_TRANSLATE_NOOP("CalmCue", "they had been speaking for %1 s"), ""),
    (CueKind.FAST_SPEECH, Speaker.AGENT): (
        "rate_ratio", "{:.1f}", QT_TRANSLATE_NOOP("CalmCue", "%1x your usual pace"), ""),
    (CueKind.NO_PAUSE, Speaker.AGENT): (
        "talk_s", "{:.0f}", QT_TRANSLATE_NOOP("CalmCue", "%1 s without a pause for them"), ""),
}


def cue_message(kind: str, speaker: str, *, translate: Translate = _source) -> str:
    """The overlay's main line for a cue of this kind about this speaker."""
    return translate(CONTEXT, MESSAGES[(CueKind(kind), Speaker(speaker))])


def cue_reason(kind: str, speaker: str, evidence: Mapping[str, float], *, translate: Translate = _source) -> str:
    """A short reason from the cue's evidence, e.g. '+9 dB above your usual level'; '' when there is none."""
    entry = REASONS.get((CueKind(kind), Speaker(speaker)))
    if entry is None:
        return ""
    key, number_format, with_number, without_number = entry
    if key in evidence:
        return translate(CONTEXT, with_number).replace("%1", number_format.format(evidence[key]))
    return translate(CONTEXT, without_number) if without_number else ""


# The reason in words, for the cue panel: (kind, speaker) -> (evidence key, [(below this value, words), ...]); the
# last band has no bound. The figure (REASONS above) goes in the tooltip and the history. The bands start where the
# detector's own thresholds start (a raised voice needs at least +4.8 dB at "strict", a fast pace 1.24x).
WORDS: dict[tuple[CueKind, Speaker], tuple[str, list[tuple[float, str]]]] = {
    (CueKind.RAISED_VOICE, Speaker.AGENT): ("level_over_baseline_db", [
        (8.0, QT_TRANSLATE_NOOP("CalmCue", "a little louder than your usual voice")),
        (12.0, QT_TRANSLATE_NOOP("CalmCue", "clearly louder than your usual voice")),
        (math.inf, QT_TRANSLATE_NOOP("CalmCue", "much louder than your usual voice"))]),
    (CueKind.RAISED_VOICE, Speaker.CUSTOMER): ("level_over_baseline_db", [
        (8.0, QT_TRANSLATE_NOOP("CalmCue", "a little louder than their usual voice")),
        (12.0, QT_TRANSLATE_NOOP("CalmCue", "clearly louder than their usual voice")),
        (math.inf, QT_TRANSLATE_NOOP("CalmCue", "much louder than their usual voice"))]),
    (CueKind.TALK_OVER, Speaker.AGENT): ("customer_talk_s", [
        (math.inf, QT_TRANSLATE_NOOP("CalmCue", "they were still speaking"))]),
    (CueKind.FAST_SPEECH, Speaker.AGENT): ("rate_ratio", [
        (1.35, QT_TRANSLATE_NOOP("CalmCue", "a little faster than your usual pace")),
        (1.6, QT_TRANSLATE_NOOP("CalmCue", "faster than your usual pace")),
        (math.inf, QT_TRANSLATE_NOOP("CalmCue", "much faster than your usual pace"))]),
    (CueKind.NO_PAUSE, Speaker.AGENT): ("talk_s", [
        (math.inf, QT_TRANSLATE_NOOP("CalmCue", "a long stretch without a pause for them"))]),
}


def cue_reason_words(kind: str, speaker: str, evidence: Mapping[str, float], *,
                     translate: Translate = _source) -> str:
    """The reason in plain words ('much louder than your usual voice'); without the evidence, the figure-less
    reason of `cue_reason` (or '')."""
    entry = WORDS.get((CueKind(kind), Speaker(speaker)))
    if entry is None:
        return ""
    key, bands = entry
    value = evidence.get(key)
    if value is None or not math.isfinite(value):
        return cue_reason(kind, speaker, {}, translate=translate)
    words = next(text for bound, text in bands if value < bound)
    return translate(CONTEXT, words)
