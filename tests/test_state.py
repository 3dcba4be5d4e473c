"""The cue state machines and limits, driven by frame index (no sleeps, no wall clock)."""

from __future__ import annotations

from calmcue.detector.policy import HOUR_FRAMES, CueLimiter, Limits
from calmcue.detector.state import EpisodeMachine, Phase


def drive(machine: EpisodeMachine, pattern: list[tuple[int, bool, bool]]):
    """pattern: (frames, entering, staying) runs; returns the transitions with their frame."""
    out, frame = [], 0
    for count, entering, staying in pattern:
        for _ in range(count):
            t = machine.step(frame, entering=entering, staying=staying)
            if t is not None:
                out.append((frame, t))
            frame += 1
    return out


def test_a_condition_shorter_than_the_minimum_leaves_no_episode() -> None:
    machine = EpisodeMachine(min_frames=100, exit_frames=150)
    assert drive(machine, [(10, False, False), (99, True, True), (300, False, False)]) == []
    assert machine.phase is Phase.IDLE


def test_episode_starts_after_the_minimum_and_ends_after_the_exit_delay() -> None:
    machine = EpisodeMachine(min_frames=100, exit_frames=150)
    transitions = drive(machine, [(10, False, False), (200, True, True), (400, False, False)])
    (start_at, start), (end_at, end) = transitions
    assert start.started and start.start_frame == 10 and start_at == 109
    assert not end.started and end.end_frame == 210 and end_at == 210 + 149


def test_hysteresis_keeps_an_episode_alive_between_exit_and_enter_thresholds() -> None:
    machine = EpisodeMachine(min_frames=50, exit_frames=100)
    transitions = drive(machine, [(60, True, True), (500, False, True), (100, False, False)])
    assert [t.started for _, t in transitions] == [True, False]
    assert transitions[1][1].end_frame == 60 + 500


def test_after_dropping_below_exit_only_the_enter_threshold_brings_it_back() -> None:
    machine = EpisodeMachine(min_frames=50, exit_frames=100)
    transitions = drive(machine, [(60, True, True), (50, False, False), (20, False, True), (100, False, False)])
    assert [t.end_frame for _, t in transitions if not t.started] == [60]  # 'staying' alone did not resume it
    machine = EpisodeMachine(min_frames=50, exit_frames=100)
    transitions = drive(machine, [(60, True, True), (50, False, False), (20, True, True), (100, False, False)])
    assert [t.end_frame for _, t in transitions if not t.started] == [130]  # 'entering' did


def test_pending_needs_the_enter_condition_for_half_the_minimum() -> None:
    machine = EpisodeMachine(min_frames=100, exit_frames=10)
    assert drive(machine, [(1, True, True), (200, False, True)]) == []
    machine = EpisodeMachine(min_frames=100, exit_frames=10)
    assert len(drive(machine, [(60, True, True), (40, False, True)])) == 1


def test_close_ends_an_open_episode_at_the_end_of_the_stream() -> None:
    machine = EpisodeMachine(min_frames=10, exit_frames=100)
    drive(machine, [(50, True, True)])
    end = machine.close(50)
    assert end is not None and end.end_frame == 50 and end.start_frame == 0


def test_cooldown_and_hourly_cap() -> None:
    limiter = CueLimiter(Limits(enabled=True, cooldown_s=30.0, max_per_hour=3))
    assert limiter.allow(0)
    assert not limiter.allow(2999)  # 29.99 s later: cooling down
    assert limiter.allow(3000)
    assert limiter.allow(6000)
    assert not limiter.allow(9000)  # the fourth within the hour
    assert limiter.allow(HOUR_FRAMES + 1)  # the first one has left the hour


def test_disabled_cues_never_fire() -> None:
    assert not CueLimiter(Limits(enabled=False, cooldown_s=0.0, max_per_hour=100)).allow(0)


def test_clear_frames_confirm_a_pending_condition_early_and_weaker_frames_take_them_back() -> None:
    def run(pattern: list[tuple[int, bool]]) -> list[int]:
        machine, frame, starts = EpisodeMachine(min_frames=80, exit_frames=50, early_frames=40), 0, []
        for count, clear in pattern:
            for _ in range(count):
                t = machine.step(frame, entering=True, staying=True, clear=clear)
                starts += [frame] if t is not None and t.started else []
                frame += 1
        return starts

    assert run([(40, True), (100, False)]) == [39]  # 40 clear frames: confirmed at the 40th
    assert run([(30, True), (10, False), (30, True), (100, False)]) == [59]  # 10 weaker frames took 10 back
    assert run([(100, False)]) == [79]  # none clear: the minimum, as without early_frames
    assert drive(EpisodeMachine(min_frames=80, exit_frames=50), [(60, True, True)]) == []  # no early_frames
