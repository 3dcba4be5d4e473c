"""The words the agent sees for a cue: its message and a short reason, both translatable.

They are built here from the cue's kind, speaker and evidence numbers (not from the engine's English text),
so a translation covers them. It names how someone speaks, never what they feel.
"""

from __future__ import annotations

from PyQt6.QtCore import QT_TRANSLATE_NOOP

from calmcue.detector.events import AGENT, FAST_SPEECH, NO_PAUSE, RAISED_VOICE, TALK_OVER, Cue
from calmcue.ui.i18n import translate

CUE_LABELS = (  # (settings key, menu label) for "which cues are on"
    ("detector.raised_voice.enabled_agent", QT_TRANSLATE_NOOP("CalmCue", "My voice rising")),
    ("detector.raised_voice.enabled_customer", QT_TRANSLATE_NOOP("CalmCue", "The caller's voice rising")),
    ("detector.talk_over.enabled", QT_TRANSLATE_NOOP("CalmCue", "Talking over the caller")),
    ("detector.fast_speech.enabled", QT_TRANSLATE_NOOP("CalmCue", "Speaking fast")),
    ("detector.no_pause.enabled", QT_TRANSLATE_NOOP("CalmCue", "Long talk without a pause")),
)


def cue_message(cue: Cue) -> str:
    if cue.kind == RAISED_VOICE:
        return translate("CalmCue", "Lower your voice - stay calm") if cue.speaker == AGENT else \
            translate("CalmCue", "Let them vent - listen, don't interrupt")
    if cue.kind == TALK_OVER:
        return translate("CalmCue", "Let them finish - listen")
    if cue.kind == FAST_SPEECH:
        return translate("CalmCue", "Slow down")
    if cue.kind == NO_PAUSE:
        return translate("CalmCue", "Pause - let the customer speak")
    return cue.message


def cue_reason(cue: Cue) -> str:
    ev = cue.evidence
    if cue.kind == RAISED_VOICE and "level_over_baseline_db" in ev:
        db = f"{ev['level_over_baseline_db']:+.0f}"
        return translate("CalmCue", "%1 dB above your usual level").replace("%1", db) if cue.speaker == AGENT else \
            translate("CalmCue", "%1 dB above their usual level").replace("%1", db)
    if cue.kind == RAISED_VOICE:
        if cue.speaker == AGENT:
            return translate("CalmCue", "louder than your usual level")
        return translate("CalmCue", "louder than their usual level")
    if cue.kind == TALK_OVER and "customer_talk_s" in ev:
        return translate("CalmCue", "they had been speaking for %1 s").replace("%1", f"{ev['customer_talk_s']:.1f}")
    if cue.kind == FAST_SPEECH and "rate_ratio" in ev:
        return translate("CalmCue", "%1x your usual pace").replace("%1", f"{ev['rate_ratio']:.1f}")
    if cue.kind == NO_PAUSE and "talk_s" in ev:
        return translate("CalmCue", "%1 s without a pause for them").replace("%1", f"{ev['talk_s']:.0f}")
    return ""
