"""Pitch accuracy of CalmCue and the references on FDA-UE: speed without accuracy is no win.

Four tracks per utterance, all on the same 16 kHz samples and the same 800-sample frames:

- `calmcue_yin`: `calmcue.features.pitch.yin` alone (what the `pitch` row times); it gives an F0 for every frame;
- `calmcue_pipeline`: the F0 the engine reports (YIN + octave guard + voicing), NaN when unvoiced;
- `librosa_yin`: an F0 for every frame, no voicing decision;
- `librosa_pyin`: F0 with its own voicing decision.

For the trackers without a voicing decision the GPE covers every frame the laryngograph calls voiced and VDE
does not apply; `calmcue_yin` against `librosa_yin` is the like-for-like comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from calmcue.analysis.offline import analyze_samples
from calmcue.bench import pitch_accuracy as pa
from calmcue.bench import references
from calmcue.bench.silero import Unavailable
from calmcue.features.pitch import yin
from calmcue.features.reframer import Reframer
from calmcue.timebase import HOP, PITCH_WINDOW

TRACKERS = ("calmcue_yin", "calmcue_pipeline", "librosa_yin", "librosa_pyin")
WITHOUT_VOICING = ("calmcue_yin", "librosa_yin")


def _tracks(x: np.ndarray, *, with_librosa: bool) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    windows = Reframer(channels=1).push(x[:, None])
    ours_t = pa.analysis_window_centres(windows.shape[0], first_window_end=HOP, window=PITCH_WINDOW)
    frames = analyze_samples(x, rate_hz=16000).frames
    assert frames is not None
    out = {"calmcue_yin": (ours_t, yin(windows).f0_hz[:, 0]),
           "calmcue_pipeline": (ours_t, np.asarray(frames["agent"]["f0_hz"], np.float64))}
    if with_librosa:
        f0 = references.librosa_yin_file(x)
        theirs_t = pa.analysis_window_centres(f0.size, first_window_end=PITCH_WINDOW, window=PITCH_WINDOW)
        out["librosa_yin"] = (theirs_t, f0)
        out["librosa_pyin"] = (theirs_t, references.librosa_pyin_file(x)[0])
    return out


def pitch_accuracy(data_dir: Path | None, *, limit: int | None,
                   progress: Callable[[int], None] | None = None) -> tuple[dict[str, pa.Score], int, str | None]:
    """(scores per tracker, files scored, why some or all could not be scored)."""
    files = pa.fda_ue_files(data_dir) if data_dir is not None else []
    if not files:
        return {}, 0, f"no FDA-UE data ({'no data folder' if data_dir is None else data_dir / 'fda_ue'})"
    note = None
    try:
        references.librosa_yin_hop()
        with_librosa = True
    except Unavailable as err:
        with_librosa, note = False, str(err)
    scores = {name: pa.Score(has_voicing=name not in WITHOUT_VOICING) for name in TRACKERS}
    picked = pa.pick_files(files, limit=limit)
    for wav in picked:
        utterance = pa.load_utterance(wav)
        for name, (times, f0) in _tracks(utterance.samples, with_librosa=with_librosa).items():
            scores[name].add(est_f0_hz=pa.at_times(times, f0, utterance.ref_times_s), ref_f0_hz=utterance.ref_f0_hz)
        if progress is not None:
            progress(1)
    return {k: v for k, v in scores.items() if v.frames}, len(picked), note
