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


def _l(text: str, tip: str) -> Label:
    return Label(text, tip)


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

_N = QT_TRANSLATE_NOOP
LABELS: dict[str, Label] = {
    "detector.sensitivity": _l(_N("CalmCue", "How sensitive"),
                               _N("CalmCue", "How much a voice must rise, or your pace speed up, before a cue shows.")),
    "detector.baseline.calibration_speech_s": _l(
        _N("CalmCue", "Speech needed to learn a usual voice"),
        _N("CalmCue", "How much talking CalmCue hears before it trusts what it learned about a voice.")),
    "detector.baseline.adapt_speech_s": _l(
        _N("CalmCue", "How slowly the usual voice follows changes"),
        _N("CalmCue", "Longer means a change in how someone usually sounds is followed more slowly.")),
    "detector.baseline.customer_prior_level_dbfs": _l(
        _N("CalmCue", "Caller's assumed calm level"),
        _N("CalmCue", "The level a caller's calm voice is assumed to have until CalmCue has learned it.")),
    "detector.baseline.customer_prior_tilt_db": _l(
        _N("CalmCue", "Caller's assumed calm voice brightness"),
        _N("CalmCue", "The voice brightness a caller's calm voice is assumed to have until it is learned.")),
    "detector.raised_voice.enabled_agent": _l(_N("CalmCue", "Cue when my voice rises"),
                                              _N("CalmCue", "Shows a cue when your own voice is raised.")),
    "detector.raised_voice.enabled_customer": _l(_N("CalmCue", "Cue when the caller's voice rises"),
                                                 _N("CalmCue", "Shows a cue when the caller's voice is raised.")),
    "detector.raised_voice.raise_index_enter_db": _l(
        _N("CalmCue", "Your voice: overall rise that starts a cue"),
        _N("CalmCue", "How far your loudness, voice brightness and pitch together must rise above usual.")),
    "detector.raised_voice.raise_index_exit_db": _l(
        _N("CalmCue", "Overall rise below which it calms down"),
        _N("CalmCue", "Once the overall rise falls below this, the raised voice starts to count as over.")),
    "detector.raised_voice.level_enter_db": _l(
        _N("CalmCue", "Your voice: loudness rise needed"),
        _N("CalmCue", "How much louder than usual your voice must be, at least, for a cue.")),
    "detector.raised_voice.level_exit_db": _l(
        _N("CalmCue", "Loudness rise below which it calms down"),
        _N("CalmCue", "Once the voice is less than this much louder than usual, it starts to count as calm.")),
    "detector.raised_voice.customer_raise_index_enter_db": _l(
        _N("CalmCue", "Caller's voice: overall rise that starts a cue"),
        _N("CalmCue", "How far the caller's loudness, brightness and pitch together must rise above usual.")),
    "detector.raised_voice.customer_level_enter_db": _l(
        _N("CalmCue", "Caller's voice: loudness rise needed"),
        _N("CalmCue", "How much louder than usual the caller's voice must be, at least, for a cue.")),
    "detector.raised_voice.effort_enter_db": _l(
        _N("CalmCue", "Brightness rise needed"),
        _N("CalmCue", "How much brighter a raised voice must sound, so a louder microphone alone is not a cue.")),
    "detector.raised_voice.pitch_enter_st": _l(
        _N("CalmCue", "Pitch rise needed"),
        _N("CalmCue", "How much higher a raised voice must be, so a louder microphone alone is not a cue.")),
    "detector.raised_voice.agent_min_s": _l(_N("CalmCue", "Your voice: raised for at least"),
                                            _N("CalmCue", "Your voice must stay raised this long before a cue.")),
    "detector.raised_voice.agent_exit_s": _l(_N("CalmCue", "Your voice: calm again after"),
                                             _N("CalmCue", "This much calm time ends a raised voice.")),
    "detector.raised_voice.agent_cooldown_s": _l(_N("CalmCue", "Your voice: time between cues"),
                                                 _N("CalmCue", "After a cue about your voice, the next one waits "
                                                               "at least this long.")),
    "detector.raised_voice.agent_max_per_hour": _l(_N("CalmCue", "Your voice: most cues in an hour"),
                                                   _N("CalmCue", "No more cues about your voice than this in any "
                                                                 "hour.")),
    "detector.raised_voice.customer_min_s": _l(_N("CalmCue", "Caller's voice: raised for at least"),
                                               _N("CalmCue", "The caller's voice must stay raised this long before "
                                                             "a cue.")),
    "detector.raised_voice.customer_exit_s": _l(_N("CalmCue", "Caller's voice: calm again after"),
                                                _N("CalmCue", "This much calm time ends the caller's raised voice.")),
    "detector.raised_voice.customer_cooldown_s": _l(_N("CalmCue", "Caller's voice: time between cues"),
                                                    _N("CalmCue", "After a cue about the caller, the next one waits "
                                                                  "at least this long.")),
    "detector.raised_voice.customer_max_per_hour": _l(_N("CalmCue", "Caller's voice: most cues in an hour"),
                                                      _N("CalmCue", "No more cues about the caller than this in any "
                                                                    "hour.")),
    "detector.talk_over.enabled": _l(_N("CalmCue", "Cue when I talk over the caller"),
                                     _N("CalmCue", "Shows a cue when you start talking while the caller is still "
                                                   "talking.")),
    "detector.talk_over.customer_turn_min_s": _l(_N("CalmCue", "Caller already talking for"),
                                                 _N("CalmCue", "The caller must have been talking this long before "
                                                               "your speech counts as talking over them.")),
    "detector.talk_over.agent_min_s": _l(_N("CalmCue", "You talk for at least"),
                                         _N("CalmCue", "Shorter sounds, like 'mm-hm', never count as talking over.")),
    "detector.talk_over.cooldown_s": _l(_N("CalmCue", "Time between cues"),
                                        _N("CalmCue", "After this cue, the next one waits at least this long.")),
    "detector.talk_over.max_per_hour": _l(_N("CalmCue", "Most cues in an hour"),
                                          _N("CalmCue", "No more of these cues than this in any hour.")),
    "detector.fast_speech.enabled": _l(_N("CalmCue", "Cue when I speak fast"),
                                       _N("CalmCue", "Shows a cue when you speak much faster than your usual pace.")),
    "detector.fast_speech.rate_ratio_enter": _l(_N("CalmCue", "Pace that counts as fast"),
                                                _N("CalmCue", "Your pace compared with your usual pace: 1.3 means "
                                                              "30% faster.")),
    "detector.fast_speech.window_speech_s": _l(_N("CalmCue", "Pace measured over"),
                                               _N("CalmCue", "How much of your speech the pace is measured over.")),
    "detector.fast_speech.min_s": _l(_N("CalmCue", "Fast for at least"),
                                     _N("CalmCue", "Your pace must stay fast this long before a cue.")),
    "detector.fast_speech.cooldown_s": _l(_N("CalmCue", "Time between cues"),
                                          _N("CalmCue", "After this cue, the next one waits at least this long.")),
    "detector.fast_speech.max_per_hour": _l(_N("CalmCue", "Most cues in an hour"),
                                            _N("CalmCue", "No more of these cues than this in any hour.")),
    "detector.no_pause.enabled": _l(_N("CalmCue", "Cue when I talk long without a pause"),
                                    _N("CalmCue", "Shows a cue when you have talked for long without the caller "
                                                  "getting a turn.")),
    "detector.no_pause.talk_s": _l(_N("CalmCue", "Talking without a turn for them"),
                                   _N("CalmCue", "How long you may talk before a cue to let the caller speak.")),
    "detector.no_pause.customer_turn_s": _l(_N("CalmCue", "Caller speech that counts as a turn"),
                                            _N("CalmCue", "The caller speaking this long gives them a turn.")),
    "detector.no_pause.mono_pause_s": _l(_N("CalmCue", "Silence that counts as their turn"),
                                         _N("CalmCue", "Without call audio, a silence this long counts as the "
                                                       "caller's turn.")),
    "detector.no_pause.cooldown_s": _l(_N("CalmCue", "Time between cues"),
                                       _N("CalmCue", "After this cue, the next one waits at least this long.")),
    "detector.no_pause.max_per_hour": _l(_N("CalmCue", "Most cues in an hour"),
                                         _N("CalmCue", "No more of these cues than this in any hour.")),
    "audio.mic": _l(_N("CalmCue", "Microphone"), _N("CalmCue", "The headset microphone CalmCue listens to.")),
    "audio.call": _l(_N("CalmCue", "Call audio"),
                     _N("CalmCue", "Where CalmCue hears the caller: what plays in your headset.")),
    "audio.latency": _l(_N("CalmCue", "Audio timing"),
                        _N("CalmCue", "Low shows cues sooner; high helps if the audio has dropouts.")),
    "overlay.corner": _l(_N("CalmCue", "Where cues appear"), _N("CalmCue", "The corner of the screen for cues.")),
    "overlay.screen": _l(_N("CalmCue", "Screen"), _N("CalmCue", "The screen cues appear on.")),
    "overlay.show_s": _l(_N("CalmCue", "Show each cue for"), _N("CalmCue", "How long a cue stays on screen.")),
    "overlay.min_gap_s": _l(_N("CalmCue", "Least time between cues"),
                            _N("CalmCue", "Cues never come closer together than this; a more urgent one may "
                                          "replace the one showing.")),
    "history.keep_days": _l(_N("CalmCue", "Keep call summaries for"),
                            _N("CalmCue", "Older call summaries are deleted from this computer.")),
    "history.max_calls": _l(_N("CalmCue", "Most call summaries kept"),
                            _N("CalmCue", "When there are more, the oldest are deleted first.")),
    "history.card": _l(_N("CalmCue", "Show a summary after a call"),
                       _N("CalmCue", "After a call with a cue, a short card says what happened.")),
    "history.card_s": _l(_N("CalmCue", "Show the summary for"),
                         _N("CalmCue", "How long the call summary card stays on screen.")),
    "telemetry.enabled": _l(_N("CalmCue", "Send team counts"),
                            _N("CalmCue", "Sends counts only (calls, cues, minutes) to your company; never audio.")),
    "telemetry.endpoint": _l(_N("CalmCue", "Where counts are sent"),
                             _N("CalmCue", "The address of your company's collector.")),
    "telemetry.team": _l(_N("CalmCue", "Team name"), _N("CalmCue", "The team name sent with the counts.")),
    "telemetry.site": _l(_N("CalmCue", "Site name"), _N("CalmCue", "The site name sent with the counts.")),
    "telemetry.include_user": _l(_N("CalmCue", "Send my login name"),
                                 _N("CalmCue", "Also sends your login name with the counts.")),
    "telemetry.export_interval_s": _l(_N("CalmCue", "Send counts every"), _N("CalmCue", "How often counts are sent.")),
}

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
