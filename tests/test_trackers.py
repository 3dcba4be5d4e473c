"""The trackers (features/trackers.py) give the same numbers bit for bit whatever the push size."""

from __future__ import annotations

import numpy as np
import pytest

from calmcue.bench.inputs import load_inputs
from calmcue.features.activity_model import ActivityKind
from calmcue.features.extractor import FeatureExtractor, FrameBatch
from calmcue.features.reframer import Reframer
from conftest import RATE

FIELDS = ("level_dbfs", "f0_hz", "periodicity", "voiced", "speech_prob", "speech_level_dbfs", "tilt_db",
          "rate_syl_s", "music_prob")


def _extract(signal: np.ndarray, *, block: int, activity: ActivityKind) -> dict[str, np.ndarray]:
    reframer, extractor = Reframer(channels=2), FeatureExtractor(channels=2, activity=activity)
    if activity is ActivityKind.MODEL and extractor.model is None:
        pytest.skip("the activity model did not load")
    batches: list[FrameBatch] = [extractor.process(reframer.push(signal[i : i + block]))
                                 for i in range(0, len(signal), block)]
    return {name: np.concatenate([getattr(b, name) for b in batches]) for name in FIELDS}


@pytest.mark.parametrize("activity", [ActivityKind.MODEL, ActivityKind.CLASSIC])
def test_a_hop_per_push_and_a_second_per_push_give_the_same_features_on_real_speech(shared_data, activity) -> None:
    """Live pushes a hop or a few, batch a second at a time: every per-frame output agrees, so `analyze` and
    the live path see the same features."""
    speech = load_inputs(shared_data, seconds=20.0).stereo.astype(np.float32)
    speech[5 * RATE : 6 * RATE, 0] = 0.0  # a muted mic for a second: digital silence, floors that wait
    by_frame = _extract(speech, block=160, activity=activity)
    by_block = _extract(speech, block=RATE, activity=activity)
    for name in FIELDS:
        np.testing.assert_array_equal(by_block[name], by_frame[name], err_msg=name)
    # real work was compared: voiced frames with a pitch, a syllable rate, a tilt, speech on both channels
    assert by_block["voiced"].sum(axis=0).min() > 100
    assert np.isfinite(by_block["rate_syl_s"]).sum() > 100 and np.isfinite(by_block["tilt_db"]).sum() > 500
    assert (by_block["speech_prob"] >= 0.5).sum(axis=0).min() > 100
