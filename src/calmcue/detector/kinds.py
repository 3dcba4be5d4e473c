"""The names the detector speaks in: which kind of cue, about whom. StrEnums, so JSON keeps the plain strings."""

from __future__ import annotations

from enum import StrEnum


class CueKind(StrEnum):
    RAISED_VOICE = "raised_voice"
    TALK_OVER = "talk_over"
    FAST_SPEECH = "fast_speech"
    NO_PAUSE = "no_pause"


class Speaker(StrEnum):
    AGENT = "agent"  # channel 0: the headset microphone
    CUSTOMER = "customer"  # channel 1: the call audio


SPEAKERS = (Speaker.AGENT, Speaker.CUSTOMER)  # in channel order
