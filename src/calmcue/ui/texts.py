"""The words the agent sees for a cue, translated: the wording itself is the engine's one table.

`calmcue.detector.texts` holds every cue message and reason (marked for `pylupdate6`); this module only hands Qt's
translate to it, so a translation covers them. It names how someone speaks, never what they feel.
"""

from __future__ import annotations

from PyQt6.QtCore import QT_TRANSLATE_NOOP

from calmcue.detector import texts
from calmcue.detector.events import Cue
from calmcue.ui.i18n import translate

CUE_LABELS = (  # (settings key, menu label) for "which cues are on"
    ("detector.raised_voice.enabled_agent", QT_TRANSLATE_NOOP("CalmCue", "My voice rising")),
    ("detector.raised_voice.enabled_customer", QT_TRANSLATE_NOOP("CalmCue", "The caller's voice rising")),
    ("detector.talk_over.enabled", QT_TRANSLATE_NOOP("CalmCue", "Talking over the caller")),
    ("detector.fast_speech.enabled", QT_TRANSLATE_NOOP("CalmCue", "Speaking fast")),
    ("detector.no_pause.enabled", QT_TRANSLATE_NOOP("CalmCue", "Long talk without a pause")),
)


def cue_message(cue: Cue) -> str:
    return texts.cue_message(cue.kind, cue.speaker, translate=translate)


def cue_reason(cue: Cue) -> str:
    """The reason with its figure ("+13 dB above your usual level"): the cue panel's tooltip."""
    return texts.cue_reason(cue.kind, cue.speaker, cue.evidence, translate=translate)


def cue_words(cue: Cue) -> str:
    """The reason in words ("much louder than your usual voice"): the cue panel's reason line."""
    return texts.cue_reason_words(cue.kind, cue.speaker, cue.evidence, translate=translate)
