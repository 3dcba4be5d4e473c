"""A lost packet played as silence (a gateway without concealment, a device's dropout) is no pitch: YIN read the
edge where the sound comes back as a period and called it voiced, so a finished caller was "heard again" under the
agent's answer and polite answers were flagged as talk-over (the detection benchmark's loss5 row: 14 of 217)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench_sessions import Turn, analysed_two_channel
from calmcue.features.extractor import FeatureExtractor
from calmcue.features.pitch import dropout_windows
from calmcue.features.reframer import Reframer
from conftest import harmonic, silence


def test_a_run_of_zeros_is_a_dropout_and_scattered_zeros_are_not() -> None:
    room = silence(1.0, noise_dbfs=-60.0)
    lost = room.copy()
    lost[8000:8320] = 0.0  # one 20 ms packet
    quantised = np.round(silence(1.0, noise_dbfs=-85.0) * 32768) / 32768  # a quiet 16-bit room: many lone zeros
    assert np.mean(quantised == 0) > 0.1
    assert not dropout_windows(Reframer(channels=1).push(room[:, None])[5:]).any()
    assert not dropout_windows(Reframer(channels=1).push(quantised[:, None].astype(np.float32))[5:]).any()
    # past the first 5 frames (their windows begin with the zeros before the stream, which the extractor does not
    # count), the frames whose 50 ms window holds at least 9 ms of the lost packet: frame k ends at sample 160 (k + 1)
    flagged = 5 + np.nonzero(dropout_windows(Reframer(channels=1).push(lost[:, None]))[5:, 0])[0]
    assert flagged.min() == 8000 // 160 and 8320 // 160 + 3 <= flagged.max() <= 8320 // 160 + 5


def test_no_pitch_is_read_from_a_window_that_holds_a_lost_packet() -> None:
    voice = harmonic(140.0, seconds=1.0, level_dbfs=-26.0)
    voice[8000:8320] = 0.0
    windows = Reframer(channels=1).push(voice[:, None])
    batch = FeatureExtractor(channels=1).process(windows)
    broken = dropout_windows(windows)[:, 0]
    broken[:5] = False
    assert broken.sum() >= 5
    assert np.isnan(batch.f0_hz[broken, 0]).all()
    assert not batch.voiced[broken, 0].any()
    assert abs(float(np.nanmedian(batch.f0_hz[~broken, 0])) - 140.0) < 3.0  # the voice around it keeps its pitch


def test_polite_answers_over_a_lossy_caller_line_are_not_talk_over(shared_data: Path) -> None:
    episodes, turns = analysed_two_channel(actor=1, customer_actor=2, condition="loss5", data_dir=shared_data)
    talk_overs = [e for e in episodes if e.kind == "talk_over"]
    polite = [t for t in turns if t.kind == "polite"]
    cut_ins = [t for t in turns if t.kind == "cut_in"]
    assert len(polite) >= 10 and cut_ins

    def flagged(turn: Turn) -> bool:
        return any(turn.agent_speech_start_s - 0.5 <= e.start_s <= turn.agent_speech_end_s for e in talk_overs)

    assert not [t.agent_speech_start_s for t in polite if flagged(t)]
    assert sum(map(flagged, cut_ins)) >= 0.9 * len(cut_ins)  # and the cut-ins are still caught


def test_a_window_is_a_dropout_exactly_when_its_probes_hold_a_run_of_zeros_long_enough() -> None:
    """pitch.dropout_windows against its definition: DROPOUT_PROBES probes in a row at exact zero (one run 9 probes
    long is none; 10 is), on windows with scattered zeros as quiet 16-bit audio has."""
    from calmcue.features.pitch import DROPOUT_PROBE, DROPOUT_PROBES

    rng = np.random.default_rng(8)
    windows = rng.standard_normal((400, 2, 800)).astype(np.float32)
    windows[rng.random(windows.shape) < 0.2] = 0.0  # scattered zeros
    for index, probes in enumerate(rng.integers(DROPOUT_PROBES - 2, DROPOUT_PROBES + 2, 400)):
        start = int(rng.integers(0, 800 // DROPOUT_PROBE - probes)) * DROPOUT_PROBE
        windows[index, index % 2, start:start + (probes - 1) * DROPOUT_PROBE + 1] = 0.0  # `probes` probes at zero
    at_zero = windows[..., ::DROPOUT_PROBE] == 0.0
    starts = range(at_zero.shape[-1] - DROPOUT_PROBES + 1)
    expected = np.array([[any(row[i:i + DROPOUT_PROBES].all() for i in starts) for row in pair] for pair in at_zero])
    assert expected.any() and not expected.all()
    np.testing.assert_array_equal(dropout_windows(windows), expected)
