"""The one table of plain words for every settings key: a short label and a one-sentence tip, plus a title for
each section. The settings dialog (General and Advanced pages), the ADMX templates and the docs key table read
them from here; the unit, bounds and default stay in the schema (config/schema.py), so each fact has one home.

config/ cannot import Qt, so the strings are marked with a local `QT_TRANSLATE_NOOP(context, text)`, which Qt's
`pylupdate6` finds by name; the UI translates them (ui/i18n.py `tr_label`). A test checks that every schema key
has a label here.
"""

from __future__ import annotations

from dataclasses import dataclass

from calmcue.config.schema import iter_keys


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks `text` for translation in `context`; returns it unchanged."""
    return text


@dataclass(frozen=True)
class Label:
    text: str  # what the setting is, in a few words
    tip: str  # what it does, in one sentence


SECTIONS: dict[str, str] = {
    "detector": QT_TRANSLATE_NOOP("CalmCue", "Cues in general"),
    "detector.baseline": QT_TRANSLATE_NOOP("CalmCue", "Learning the usual voice"),
    "detector.raised_voice": QT_TRANSLATE_NOOP("CalmCue", "Raised voice"),
    "detector.talk_over": QT_TRANSLATE_NOOP("CalmCue", "Talking over the caller"),
    "detector.fast_speech": QT_TRANSLATE_NOOP("CalmCue", "Speaking fast"),
    "detector.no_pause": QT_TRANSLATE_NOOP("CalmCue", "Long talk without a pause"),
    "audio": QT_TRANSLATE_NOOP("CalmCue", "Audio devices"),
    "overlay": QT_TRANSLATE_NOOP("CalmCue", "Cue panel on screen"),
    "history": QT_TRANSLATE_NOOP("CalmCue", "Call history on this computer"),
    "telemetry": QT_TRANSLATE_NOOP("CalmCue", "Team counts for IT"),
}

_TABLE: dict[str, tuple[str, str]] = {  # key -> (label, tip)
    "detector.sensitivity": (
        QT_TRANSLATE_NOOP("CalmCue", "How sensitive"),
        QT_TRANSLATE_NOOP("CalmCue", "How much a voice must rise, or your pace speed up, before a cue shows.")),
    "detector.baseline.calibration_speech_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Speech needed to learn a usual voice"),
        QT_TRANSLATE_NOOP("CalmCue", "How much talking CalmCue hears before it trusts what it learned about a voice.")),
    "detector.baseline.adapt_speech_s": (
        QT_TRANSLATE_NOOP("CalmCue", "How slowly the usual voice follows changes"),
        QT_TRANSLATE_NOOP("CalmCue", "Longer means a change in how someone usually sounds is followed more slowly.")),
    "detector.baseline.customer_prior_level_dbfs": (
        QT_TRANSLATE_NOOP("CalmCue", "Caller's assumed calm level"),
        QT_TRANSLATE_NOOP("CalmCue", "The level a caller's calm voice is assumed to have until CalmCue has "
                                     "learned it.")),
    "detector.baseline.customer_prior_tilt_db": (
        QT_TRANSLATE_NOOP("CalmCue", "Caller's assumed calm voice brightness"),
        QT_TRANSLATE_NOOP("CalmCue", "The voice brightness a caller's calm voice is assumed to have until it "
                                     "is learned.")),
    "detector.raised_voice.enabled_agent": (
        QT_TRANSLATE_NOOP("CalmCue", "Cue when my voice rises"),
        QT_TRANSLATE_NOOP("CalmCue", "Shows a cue when your own voice is raised.")),
    "detector.raised_voice.enabled_customer": (
        QT_TRANSLATE_NOOP("CalmCue", "Cue when the caller's voice rises"),
        QT_TRANSLATE_NOOP("CalmCue", "Shows a cue when the caller's voice is raised.")),
    "detector.raised_voice.raise_index_enter_db": (
        QT_TRANSLATE_NOOP("CalmCue", "Your voice: overall rise that starts a cue"),
        QT_TRANSLATE_NOOP("CalmCue", "How far your loudness, voice brightness and pitch together must rise "
                                     "above usual.")),
    "detector.raised_voice.raise_index_exit_db": (
        QT_TRANSLATE_NOOP("CalmCue", "Overall rise below which it calms down"),
        QT_TRANSLATE_NOOP("CalmCue", "Once the overall rise falls below this, the raised voice starts to count "
                                     "as over.")),
    "detector.raised_voice.level_enter_db": (
        QT_TRANSLATE_NOOP("CalmCue", "Your voice: loudness rise needed"),
        QT_TRANSLATE_NOOP("CalmCue", "How much louder than usual your voice must be, at least, for a cue.")),
    "detector.raised_voice.level_exit_db": (
        QT_TRANSLATE_NOOP("CalmCue", "Loudness rise below which it calms down"),
        QT_TRANSLATE_NOOP("CalmCue", "Once the voice is less than this much louder than usual, it starts to "
                                     "count as calm.")),
    "detector.raised_voice.customer_raise_index_enter_db": (
        QT_TRANSLATE_NOOP("CalmCue", "Caller's voice: overall rise that starts a cue"),
        QT_TRANSLATE_NOOP("CalmCue", "How far the caller's loudness, brightness and pitch together must rise "
                                     "above usual.")),
    "detector.raised_voice.customer_level_enter_db": (
        QT_TRANSLATE_NOOP("CalmCue", "Caller's voice: loudness rise needed"),
        QT_TRANSLATE_NOOP("CalmCue", "How much louder than usual the caller's voice must be, at least, for a cue.")),
    "detector.raised_voice.effort_enter_db": (
        QT_TRANSLATE_NOOP("CalmCue", "Brightness rise needed"),
        QT_TRANSLATE_NOOP("CalmCue", "How much brighter a raised voice must sound, so a louder microphone "
                                     "alone is not a cue.")),
    "detector.raised_voice.pitch_enter_st": (
        QT_TRANSLATE_NOOP("CalmCue", "Pitch rise needed"),
        QT_TRANSLATE_NOOP("CalmCue", "How much higher a raised voice must be, so a louder microphone alone is "
                                     "not a cue.")),
    "detector.raised_voice.agent_min_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Your voice: raised for at least"),
        QT_TRANSLATE_NOOP("CalmCue", "Your voice must stay raised this long before a cue.")),
    "detector.raised_voice.agent_exit_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Your voice: calm again after"),
        QT_TRANSLATE_NOOP("CalmCue", "This much calm time ends a raised voice.")),
    "detector.raised_voice.agent_cooldown_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Your voice: time between cues"),
        QT_TRANSLATE_NOOP("CalmCue", "After a cue about your voice, the next one waits at least this long.")),
    "detector.raised_voice.agent_max_per_hour": (
        QT_TRANSLATE_NOOP("CalmCue", "Your voice: most cues in an hour"),
        QT_TRANSLATE_NOOP("CalmCue", "No more cues about your voice than this in any hour.")),
    "detector.raised_voice.customer_min_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Caller's voice: raised for at least"),
        QT_TRANSLATE_NOOP("CalmCue", "The caller's voice must stay raised this long before a cue.")),
    "detector.raised_voice.customer_exit_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Caller's voice: calm again after"),
        QT_TRANSLATE_NOOP("CalmCue", "This much calm time ends the caller's raised voice.")),
    "detector.raised_voice.customer_cooldown_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Caller's voice: time between cues"),
        QT_TRANSLATE_NOOP("CalmCue", "After a cue about the caller, the next one waits at least this long.")),
    "detector.raised_voice.customer_max_per_hour": (
        QT_TRANSLATE_NOOP("CalmCue", "Caller's voice: most cues in an hour"),
        QT_TRANSLATE_NOOP("CalmCue", "No more cues about the caller than this in any hour.")),
    "detector.talk_over.enabled": (
        QT_TRANSLATE_NOOP("CalmCue", "Cue when I talk over the caller"),
        QT_TRANSLATE_NOOP("CalmCue", "Shows a cue when you start talking while the caller is still talking.")),
    "detector.talk_over.customer_turn_min_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Caller already talking for"),
        QT_TRANSLATE_NOOP("CalmCue", "The caller must have been talking this long before your speech counts as "
                                     "talking over them.")),
    "detector.talk_over.agent_min_s": (
        QT_TRANSLATE_NOOP("CalmCue", "You talk for at least"),
        QT_TRANSLATE_NOOP("CalmCue", "Shorter sounds, like 'mm-hm', never count as talking over.")),
    "detector.talk_over.cooldown_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Time between cues"),
        QT_TRANSLATE_NOOP("CalmCue", "After this cue, the next one waits at least this long.")),
    "detector.talk_over.max_per_hour": (
        QT_TRANSLATE_NOOP("CalmCue", "Most cues in an hour"),
        QT_TRANSLATE_NOOP("CalmCue", "No more of these cues than this in any hour.")),
    "detector.fast_speech.enabled": (
        QT_TRANSLATE_NOOP("CalmCue", "Cue when I speak fast"),
        QT_TRANSLATE_NOOP("CalmCue", "Shows a cue when you speak much faster than your usual pace.")),
    "detector.fast_speech.rate_ratio_enter": (
        QT_TRANSLATE_NOOP("CalmCue", "Pace that counts as fast"),
        QT_TRANSLATE_NOOP("CalmCue", "Your pace compared with your usual pace: 1.3 means 30% faster.")),
    "detector.fast_speech.window_speech_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Pace measured over"),
        QT_TRANSLATE_NOOP("CalmCue", "How much of your speech the pace is measured over.")),
    "detector.fast_speech.min_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Fast for at least"),
        QT_TRANSLATE_NOOP("CalmCue", "Your pace must stay fast this long before a cue.")),
    "detector.fast_speech.cooldown_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Time between cues"),
        QT_TRANSLATE_NOOP("CalmCue", "After this cue, the next one waits at least this long.")),
    "detector.fast_speech.max_per_hour": (
        QT_TRANSLATE_NOOP("CalmCue", "Most cues in an hour"),
        QT_TRANSLATE_NOOP("CalmCue", "No more of these cues than this in any hour.")),
    "detector.no_pause.enabled": (
        QT_TRANSLATE_NOOP("CalmCue", "Cue when I talk long without a pause"),
        QT_TRANSLATE_NOOP("CalmCue", "Shows a cue when you have talked for long without the caller getting a turn.")),
    "detector.no_pause.talk_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Talking without a turn for them"),
        QT_TRANSLATE_NOOP("CalmCue", "How long you may talk before a cue to let the caller speak.")),
    "detector.no_pause.customer_turn_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Caller speech that counts as a turn"),
        QT_TRANSLATE_NOOP("CalmCue", "The caller speaking this long gives them a turn.")),
    "detector.no_pause.mono_pause_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Silence that counts as their turn"),
        QT_TRANSLATE_NOOP("CalmCue", "Without call audio, a silence this long counts as the caller's turn.")),
    "detector.no_pause.cooldown_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Time between cues"),
        QT_TRANSLATE_NOOP("CalmCue", "After this cue, the next one waits at least this long.")),
    "detector.no_pause.max_per_hour": (
        QT_TRANSLATE_NOOP("CalmCue", "Most cues in an hour"),
        QT_TRANSLATE_NOOP("CalmCue", "No more of these cues than this in any hour.")),
    "audio.mic": (
        QT_TRANSLATE_NOOP("CalmCue", "Microphone"),
        QT_TRANSLATE_NOOP("CalmCue", "The headset microphone CalmCue listens to.")),
    "audio.call": (
        QT_TRANSLATE_NOOP("CalmCue", "Call audio"),
        QT_TRANSLATE_NOOP("CalmCue", "Where CalmCue hears the caller: what plays in your headset.")),
    "audio.latency": (
        QT_TRANSLATE_NOOP("CalmCue", "Audio timing"),
        QT_TRANSLATE_NOOP("CalmCue", "Low shows cues sooner; high helps if the audio has dropouts.")),
    "overlay.corner": (
        QT_TRANSLATE_NOOP("CalmCue", "Where cues appear"),
        QT_TRANSLATE_NOOP("CalmCue", "The corner of the screen for cues.")),
    "overlay.screen": (
        QT_TRANSLATE_NOOP("CalmCue", "Screen"),
        QT_TRANSLATE_NOOP("CalmCue", "The screen cues appear on.")),
    "overlay.show_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Show each cue for"),
        QT_TRANSLATE_NOOP("CalmCue", "How long a cue stays on screen.")),
    "overlay.min_gap_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Least time between cues"),
        QT_TRANSLATE_NOOP("CalmCue", "Cues never come closer together than this; a more urgent one may replace "
                                     "the one showing.")),
    "history.keep_days": (
        QT_TRANSLATE_NOOP("CalmCue", "Keep call summaries for"),
        QT_TRANSLATE_NOOP("CalmCue", "Older call summaries are deleted from this computer.")),
    "history.max_calls": (
        QT_TRANSLATE_NOOP("CalmCue", "Most call summaries kept"),
        QT_TRANSLATE_NOOP("CalmCue", "When there are more, the oldest are deleted first.")),
    "history.card": (
        QT_TRANSLATE_NOOP("CalmCue", "Show a summary after a call"),
        QT_TRANSLATE_NOOP("CalmCue", "After a call with a cue, a short card says what happened.")),
    "history.card_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Show the summary for"),
        QT_TRANSLATE_NOOP("CalmCue", "How long the call summary card stays on screen.")),
    "telemetry.enabled": (
        QT_TRANSLATE_NOOP("CalmCue", "Send team counts"),
        QT_TRANSLATE_NOOP("CalmCue", "Sends counts only (calls, cues, minutes) to your company; never audio.")),
    "telemetry.endpoint": (
        QT_TRANSLATE_NOOP("CalmCue", "Where counts are sent"),
        QT_TRANSLATE_NOOP("CalmCue", "The address of your company's collector.")),
    "telemetry.team": (
        QT_TRANSLATE_NOOP("CalmCue", "Team name"),
        QT_TRANSLATE_NOOP("CalmCue", "The team name sent with the counts.")),
    "telemetry.site": (
        QT_TRANSLATE_NOOP("CalmCue", "Site name"),
        QT_TRANSLATE_NOOP("CalmCue", "The site name sent with the counts.")),
    "telemetry.include_user": (
        QT_TRANSLATE_NOOP("CalmCue", "Send my login name"),
        QT_TRANSLATE_NOOP("CalmCue", "Also sends your login name with the counts.")),
    "telemetry.export_interval_s": (
        QT_TRANSLATE_NOOP("CalmCue", "Send counts every"),
        QT_TRANSLATE_NOOP("CalmCue", "How often counts are sent.")),
}
LABELS: dict[str, Label] = {key: Label(text, tip) for key, (text, tip) in _TABLE.items()}

FIELDS = dict(iter_keys())


def label(key: str) -> Label:
    """The plain label and tip of a key (the key itself when the table lacks it: a test checks none does)."""
    return LABELS.get(key) or Label(key, str(FIELDS[key].metadata.get("doc", "")) if key in FIELDS else "")


def unit(key: str) -> str:
    """The key's unit as the schema gives it ("" for none)."""
    return str(FIELDS[key].metadata.get("unit") or "")


def section_of(key: str) -> str:
    return key.rpartition(".")[0]


def section_title(section: str) -> str:
    return SECTIONS.get(section, section)


def sections() -> list[tuple[str, list[str]]]:
    """(section, its keys) in schema order."""
    out: dict[str, list[str]] = {}
    for key in FIELDS:
        out.setdefault(section_of(key), []).append(key)
    return list(out.items())
