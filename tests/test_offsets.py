"""The agent's nudges on the engine side: ThresholdOffsets raise enter thresholds (never lower them, never past the
schema), a live detector takes them without forgetting anything, and the worker applies them from its command
queue and keeps them across a Reload."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from calmcue.analysis.offline import analyze_samples
from calmcue.audio.sources import SyntheticSource
from calmcue.config.schema import DetectorSettings, Settings
from calmcue.detector.events import Cue
from calmcue.detector.kinds import CueKind, Speaker
from calmcue.detector.offsets import ThresholdOffsets, field_for
from calmcue.engine.commands import Reload, SetThresholdOffsets
from calmcue.engine.mailbox import CueMessage, EpisodeMessage, Mailbox, Status
from calmcue.engine.pipeline import Pipeline
from calmcue.engine.worker import Worker
from test_worker import BOUND_S, agent_raises_voice

ABOVE_THE_SCENE_DB = 20.0  # the scene's raised voice has an index of about 25 dB over 12: +20 dB keeps it out


pytestmark = pytest.mark.usefixtures("classic_activity")


@pytest.mark.parametrize("sensitivity", ["gentle", "normal", "strict"])
def test_an_offset_raises_the_threshold_the_detector_uses_by_exactly_its_amount(sensitivity: str) -> None:
    settings = DetectorSettings(sensitivity=sensitivity)
    scale = settings.threshold_scale
    nudged = ThresholdOffsets(raised_voice_agent_db=1.5, raised_voice_customer_db=3.0, talk_over_s=0.2,
                              fast_speech_ratio=0.05, no_pause_s=15.0).apply(settings)
    rv, base = nudged.raised_voice, settings.raised_voice
    assert rv.raise_index_enter_db * scale == pytest.approx(base.raise_index_enter_db * scale + 1.5)
    assert rv.customer_raise_index_enter_db * scale == pytest.approx(base.customer_raise_index_enter_db * scale + 3.0)
    assert nudged.talk_over.agent_min_s == pytest.approx(settings.talk_over.agent_min_s + 0.2)
    assert (nudged.fast_speech.rate_ratio_enter - 1) * scale == pytest.approx(
        (settings.fast_speech.rate_ratio_enter - 1) * scale + 0.05)
    assert nudged.no_pause.talk_s == settings.no_pause.talk_s + 15.0
    assert rv.raise_index_exit_db == base.raise_index_exit_db, "only the enter thresholds move"


def test_offsets_never_lower_a_threshold_nor_pass_the_schema_bound() -> None:
    settings = DetectorSettings()
    assert ThresholdOffsets(raised_voice_agent_db=-6.0, no_pause_s=-30.0).apply(settings) == settings
    huge = ThresholdOffsets(raised_voice_agent_db=500.0, talk_over_s=60.0).apply(settings)
    assert huge.raised_voice.raise_index_enter_db == 60.0 and huge.talk_over.agent_min_s == 5.0


def test_every_cue_kind_has_an_offset_and_a_wrong_one_is_refused() -> None:
    offsets = ThresholdOffsets()
    for kind, speaker in [(k, Speaker.AGENT) for k in CueKind] + [(CueKind.RAISED_VOICE, Speaker.CUSTOMER)]:
        assert offsets.with_offset(kind, speaker, 2.0).get(kind, speaker) == 2.0
    with pytest.raises(ValueError, match="no threshold to nudge for talk_over/customer"):
        field_for(CueKind.TALK_OVER, Speaker.CUSTOMER)


def test_a_live_detector_takes_new_thresholds_and_keeps_what_it_learned() -> None:
    samples = agent_raises_voice()
    calm_end = 25 * 16000  # the scene's calm opening (calibration) ends here

    def run(retune: bool) -> list[str]:
        pipeline = Pipeline(Settings(), channels=1, in_rate_hz=16000)
        events = pipeline.push(samples[:calm_end, None]).events
        learned = pipeline.detector.agent_baseline
        assert learned is not None, "calibrated in the calm opening"
        if retune:
            offsets = ThresholdOffsets(raised_voice_agent_db=ABOVE_THE_SCENE_DB)
            pipeline.detector.retune(offsets.apply(DetectorSettings()))
            assert pipeline.detector.agent.thresholds.index_enter_db == 12.0 + ABOVE_THE_SCENE_DB
            assert pipeline.detector.agent_baseline == learned, "the baseline is kept"
        events += pipeline.push(samples[calm_end:, None]).events + pipeline.finish().events
        return [e.kind for e in events if isinstance(e, Cue)]

    assert run(retune=False) == ["raised_voice"]
    assert run(retune=True) == []


def test_the_worker_applies_offsets_from_its_queue_and_keeps_them_across_a_reload() -> None:
    samples = agent_raises_voice()
    assert analyze_samples(samples, rate_hz=16000, keep_frames=False).cues, "without the offset the scene cues"
    worker = Worker(settings=Settings(), mailbox=Mailbox(),
                    source_factory=lambda: SyntheticSource(samples, rate_hz=16000))
    worker.commands.put(SetThresholdOffsets(ThresholdOffsets(raised_voice_agent_db=ABOVE_THE_SCENE_DB)))
    worker.commands.put(Reload(replace(Settings(), detector=DetectorSettings(sensitivity="normal"))))
    worker.start()
    messages: list[object] = []
    deadline = time.monotonic() + BOUND_S
    while not any(isinstance(m, Status) and m.state == "finished" for m in messages):
        assert time.monotonic() < deadline, "the worker did not finish"
        worker.mailbox.wait(0.05)
        messages += worker.mailbox.drain()
    assert worker.stop(timeout_s=BOUND_S)
    assert worker.offsets.raised_voice_agent_db == ABOVE_THE_SCENE_DB
    assert not [m for m in messages if isinstance(m, CueMessage | EpisodeMessage)], "the raised threshold held"
