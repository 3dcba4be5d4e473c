"""Cues never chain: the least time between two cues, and a more urgent cue replacing the one showing."""

from __future__ import annotations

from calmcue.config.schema import OverlaySettings
from calmcue.ui.cue_gate import CueGate, urgency

SHOW_S = OverlaySettings().show_s


def _replay(cues: list[tuple[float, str, str]], *, min_gap_s: float) -> list[tuple[float, str, str]]:
    """Which cues the overlay shows, a cue staying on screen SHOW_S after it was shown."""
    gate, shown = CueGate(min_gap_s=min_gap_s), []
    for t_s, kind, speaker in cues:
        showing = bool(shown) and t_s - shown[-1][0] < SHOW_S
        if gate.admit(kind=kind, speaker=speaker, t_s=t_s, showing=showing):
            shown.append((t_s, kind, speaker))
    return shown


# The demo call's cues as `calmcue analyze build/demo/demo_call.wav` gives them (engine time, s).
DEMO = [(39.89, "raised_voice", "customer"), (50.65, "talk_over", "agent"), (56.18, "raised_voice", "agent"),
        (60.0, "fast_speech", "agent")]


def test_the_default_gap_keeps_the_demo_calls_three_situations_and_drops_the_chained_cue() -> None:
    shown = _replay(DEMO, min_gap_s=OverlaySettings().min_gap_s)
    assert [kind for _t, kind, _s in shown] == ["raised_voice", "talk_over", "raised_voice"]
    assert shown[-1][2] == "agent", "the agent's raised voice replaced the talk-over cue still showing"


def test_a_less_urgent_cue_waits_and_a_more_urgent_one_replaces() -> None:
    gate = CueGate(min_gap_s=10.0)
    assert gate.admit(kind="fast_speech", speaker="agent", t_s=28.11, showing=False)
    assert gate.admit(kind="raised_voice", speaker="agent", t_s=28.68, showing=True)
    assert not gate.admit(kind="no_pause", speaker="agent", t_s=30.0, showing=True)
    assert not gate.admit(kind="raised_voice", speaker="agent", t_s=31.0, showing=False), "nothing to replace"
    assert gate.admit(kind="no_pause", speaker="agent", t_s=38.7, showing=False)


def test_a_new_engine_starts_the_gap_afresh() -> None:
    gate = CueGate(min_gap_s=10.0)
    assert gate.admit(kind="talk_over", speaker="agent", t_s=50.0, showing=False)
    assert not gate.admit(kind="talk_over", speaker="agent", t_s=55.0, showing=False)
    gate.reset()
    assert gate.admit(kind="talk_over", speaker="agent", t_s=3.0, showing=False)


def test_the_agents_own_raised_voice_is_the_most_urgent() -> None:
    assert urgency("raised_voice", "agent") > urgency("talk_over", "agent") > urgency("raised_voice", "customer")
    assert urgency("raised_voice", "customer") > urgency("no_pause", "agent") > urgency("fast_speech", "agent")
