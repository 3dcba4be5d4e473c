from __future__ import annotations

import re

from calmcue.detector.events import Cue
from calmcue.detector.texts import MESSAGES
from calmcue.ui.texts import CUE_LABELS, cue_message, cue_reason

EMOTION_WORDS = re.compile(r"\b(anger|angry|upset|emotion|frustrat|mood|stress)", re.I)


def test_messages_match_the_engine_contract(qapp: object) -> None:
    for (kind, speaker), text in MESSAGES.items():
        assert cue_message(Cue(kind, speaker, 1.0, text)) == text


def test_reasons_are_short_and_say_why(qapp: object) -> None:
    loud = Cue("raised_voice", "agent", 3.0, "", {"level_over_baseline_db": 9.1, "duration_s": 1.4})
    assert cue_reason(loud) == "+9 dB above your usual level"
    caller = Cue("raised_voice", "customer", 3.0, "", {"level_over_baseline_db": 12.4})
    assert cue_reason(caller) == "their voice is raised - let them finish"
    assert cue_reason(Cue("talk_over", "agent", 1, "", {"customer_talk_s": 2.04})) == \
        "they had been speaking for 2.0 s"
    assert cue_reason(Cue("fast_speech", "agent", 1, "", {"rate_ratio": 1.43})) == "1.4x your usual pace"
    assert cue_reason(Cue("no_pause", "agent", 1, "", {"talk_s": 45.2})) == "45 s without a pause for them"


def test_no_text_names_a_feeling(qapp: object) -> None:
    texts = [label for _, label in CUE_LABELS] + list(MESSAGES.values())
    assert not [t for t in texts if EMOTION_WORDS.search(t)]
