"""Names instead of strings: the enums keep the contract's strings and numbers, and the one table of cue texts."""

from __future__ import annotations

import json

import pytest

from calmcue.detector.events import Cue, Episode
from calmcue.detector.kinds import CueKind, Speaker
from calmcue.detector.texts import MESSAGES, REASONS, WORDS, cue_message, cue_reason
from calmcue.engine.mailbox import EngineState, Status
from calmcue.errors import BadInputError, CalmCueError, ConfigError, DeviceError, ExitCode


def test_exit_codes_are_the_documented_ones() -> None:
    assert [(c.name, int(c)) for c in ExitCode] == [("OK", 0), ("FAILURE", 1), ("BAD_INPUT", 2), ("NO_DEVICE", 3)]
    assert CalmCueError("x").exit_code == 1 and BadInputError("x").exit_code == 2
    assert ConfigError("x").exit_code == 2 and DeviceError("x").exit_code == 3


def test_events_write_the_contract_s_strings() -> None:
    cue = Cue(CueKind.TALK_OVER, Speaker.AGENT, 1.234, MESSAGES[(CueKind.TALK_OVER, Speaker.AGENT)],
              {"customer_talk_s": 2.0})
    episode = Episode(CueKind.RAISED_VOICE, Speaker.CUSTOMER, 1.0, 2.0)
    text = json.dumps([cue.to_json(), episode.to_json()])
    assert '"kind": "talk_over", "speaker": "agent", "t_s": 1.23' in text
    assert '"kind": "raised_voice", "speaker": "customer"' in text


def test_status_names_its_state_and_refuses_an_unknown_one() -> None:
    assert Status("calibrating").state is EngineState.CALIBRATING
    with pytest.raises(ValueError):
        Status("angry")


def test_every_cue_has_a_message_and_a_reason_in_the_one_table() -> None:
    pairs = {(CueKind.RAISED_VOICE, Speaker.AGENT), (CueKind.RAISED_VOICE, Speaker.CUSTOMER),
             (CueKind.TALK_OVER, Speaker.AGENT), (CueKind.FAST_SPEECH, Speaker.AGENT),
             (CueKind.NO_PAUSE, Speaker.AGENT)}
    assert set(MESSAGES) == pairs and set(REASONS) == pairs and set(WORDS) == pairs
    assert cue_message("no_pause", "agent") == "Pause - let the customer speak"
    assert cue_reason("raised_voice", "agent", {"level_over_baseline_db": 9.1}) == "+9 dB above your usual level"
    assert cue_reason("raised_voice", "customer", {}) == "their voice is raised - let them finish"
    assert cue_reason("fast_speech", "agent", {}) == ""


def test_the_ui_s_translate_is_applied_to_the_table_s_words() -> None:
    calls: list[tuple[str, str]] = []

    def shout(context: str, text: str) -> str:
        calls.append((context, text))
        return text.upper()

    assert cue_reason("fast_speech", "agent", {"rate_ratio": 1.43}, translate=shout) == "1.4X YOUR USUAL PACE"
    assert cue_message("talk_over", "agent", translate=shout) == "LET THEM FINISH - LISTEN"
    assert calls == [("CalmCue", "%1x your usual pace"), ("CalmCue", "Let them finish - listen")]
