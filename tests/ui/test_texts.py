from __future__ import annotations

import re

from pytestqt.qtbot import QtBot

from calmcue.config.schema import OverlaySettings
from calmcue.detector.events import Cue
from calmcue.detector.texts import MESSAGES, WORDS
from calmcue.ui.overlay import Overlay
from calmcue.ui.texts import CUE_LABELS, cue_message, cue_reason, cue_words

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


def test_the_reason_line_is_in_words_and_the_figure_is_in_the_tooltip(qtbot: QtBot) -> None:
    raised = Cue("raised_voice", "agent", 3.0, "", {"level_over_baseline_db": 13.2, "duration_s": 1.4})
    overlay = Overlay(OverlaySettings(show_s=30.0))
    qtbot.addWidget(overlay)
    with qtbot.waitSignal(overlay.painted, timeout=5000):
        overlay.show_cue(cue_message(raised), cue_words(raised))
        overlay.set_detail(cue_reason(raised))
    assert overlay.reason == "much louder than your usual voice"
    assert not any(ch.isdigit() for ch in overlay.reason)
    assert overlay.toolTip() == "+13 dB above your usual level"
    assert "+13 dB" in overlay.accessibleDescription() and "much louder" in overlay.accessibleDescription()
    slow = Cue("fast_speech", "agent", 1, "", {"rate_ratio": 1.3})
    overlay.show_cue(cue_message(slow), cue_words(slow))
    overlay.set_detail(cue_reason(slow))
    assert overlay.reason == "a little faster than your usual pace" and overlay.toolTip() == "1.3x your usual pace"


def test_the_words_follow_the_size_of_the_rise() -> None:
    def words(db: float, speaker: str = "agent") -> str:
        return cue_words(Cue("raised_voice", speaker, 1, "", {"level_over_baseline_db": db}))

    assert [words(6.0), words(9.0), words(13.0)] == ["a little louder than your usual voice",
                                                     "clearly louder than your usual voice",
                                                     "much louder than your usual voice"]
    assert words(13.0, "customer") == "much louder than their usual voice"
    assert cue_words(Cue("raised_voice", "customer", 1, "", {})) == "their voice is raised - let them finish"
    assert cue_words(Cue("fast_speech", "agent", 1, "", {"rate_ratio": 1.7})) == "much faster than your usual pace"
    assert cue_words(Cue("talk_over", "agent", 1, "", {"customer_talk_s": 2.0})) == "they were still speaking"


def test_no_text_names_a_feeling(qapp: object) -> None:
    texts = [label for _, label in CUE_LABELS] + list(MESSAGES.values())
    texts += [text for _, bands in WORDS.values() for _, text in bands]
    assert not [t for t in texts if EMOTION_WORDS.search(t)]
