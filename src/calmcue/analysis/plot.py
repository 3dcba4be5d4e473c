"""A timeline a person reads at a glance: spectrogram, level and pitch per speaker, and the cues."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from calmcue.analysis.result import AnalysisResult
from calmcue.audio.files import probe, read_blocks
from calmcue.audio.resample import StreamResampler
from calmcue.detector.kinds import SPEAKERS, Speaker
from calmcue.timebase import ANALYSIS_RATE_HZ

MAX_COLUMNS = 3000  # spectrogram columns kept, whatever the file's length
N_FFT = 512
COLOURS = {Speaker.AGENT: "#1f6fb4", Speaker.CUSTOMER: "#c0504d"}


def spectrogram_db(path: Path, *, channel: int, duration_s: float) -> tuple[np.ndarray, float]:
    """Power spectrogram in dB (librosa.stft), pooled to at most MAX_COLUMNS columns; returns (S, seconds/column)."""
    import librosa

    info = probe(path)
    hop = max(160, int(duration_s * ANALYSIS_RATE_HZ / MAX_COLUMNS) // 160 * 160)
    resampler = StreamResampler(in_rate_hz=info.rate_hz, channels=1)
    pending, columns = np.zeros(0, np.float32), []
    for block in read_blocks(info):
        pending = np.concatenate([pending, resampler.process(block[:, min(channel, block.shape[1] - 1)])[:, 0]])
        usable = (len(pending) - N_FFT) // hop * hop
        if usable > 0:
            stft = librosa.stft(pending[: usable + N_FFT], n_fft=N_FFT, hop_length=hop, center=False)
            columns.append(np.abs(stft) ** 2)
            pending = pending[usable:]
    if not columns:
        return np.full((N_FFT // 2 + 1, 1), -100.0), hop / ANALYSIS_RATE_HZ
    power = np.concatenate(columns, axis=1)
    return librosa.power_to_db(power, ref=1.0, amin=1e-10, top_db=80.0), hop / ANALYSIS_RATE_HZ


def plot_timeline(result: AnalysisResult, *, audio: Path, far_end: Path | None, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frames = result.frames
    assert frames is not None, "plot_timeline needs the per-frame arrays"
    speakers = [s for s in SPEAKERS if s in frames]
    fig, axes = plt.subplots(2 * len(speakers), 1, figsize=(14, 3.2 * len(speakers) + 1), sharex=True,
                             gridspec_kw={"height_ratios": [1, 1.3] * len(speakers)})
    t = frames["t_s"]
    for i, speaker in enumerate(speakers):
        source, channel = (far_end, 0) if speaker == Speaker.CUSTOMER and far_end else (audio, i)
        _spectrogram_panel(axes[2 * i], source, channel, result.duration_s, speaker)
        _feature_panel(axes[2 * i + 1], t, frames[speaker], result, speaker)
    for ax in axes:
        _mark_events(ax, result)
    axes[-1].set_xlabel("time (s)")
    axes[-1].set_xlim(0, max(result.duration_s, 0.01))
    fig.suptitle(f"CalmCue timeline - {Path(audio).name}: {len(result.cues)} cue(s)", fontsize=12)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def _spectrogram_panel(ax, path: Path, channel: int, duration_s: float, speaker: str) -> None:
    spec, column_s = spectrogram_db(path, channel=channel, duration_s=duration_s)
    extent = (0.0, spec.shape[1] * column_s, 0.0, ANALYSIS_RATE_HZ / 2000)
    ax.imshow(spec, origin="lower", aspect="auto", extent=extent, cmap="magma", vmin=spec.max() - 80)
    ax.set_ylabel(f"{speaker}\nkHz")
    ax.set_ylim(0, 5)


def _feature_panel(ax, t: np.ndarray, feats: dict[str, np.ndarray], result: AnalysisResult,
                   speaker: Speaker) -> None:
    colour = COLOURS[speaker]
    level = np.where(feats["speech_prob"] >= 0.5, feats["level_dbfs"], np.nan)
    ax.plot(t, feats["level_dbfs"], color="#bbbbbb", lw=0.6, label="level")
    ax.plot(t, level, color=colour, lw=0.9, label="level while speaking")
    baseline = result.baselines.get(speaker)
    if baseline is not None:
        ax.axhline(baseline.level_dbfs, color=colour, ls="--", lw=0.8, label="their usual level")
    ax.set_ylabel("level (dBFS)")
    ax.set_ylim(-80, 0)
    pitch_ax = ax.twinx()
    pitch_ax.plot(t, feats["f0_hz"], ".", ms=1.2, color="#2ca02c", label="pitch")
    pitch_ax.set_ylabel("pitch (Hz)")
    pitch_ax.set_ylim(50, 500)
    pitch_ax.set_yscale("log")
    ax.legend(loc="upper left", fontsize=7, ncol=3)


def _mark_events(ax, result: AnalysisResult) -> None:
    for episode in result.episodes:
        ax.axvspan(episode.start_s, episode.end_s, color=COLOURS.get(episode.speaker, "#888888"), alpha=0.12)
    for i, cue in enumerate(result.cues):
        ax.axvline(cue.t_s, color="black", lw=0.8)
        if ax is ax.figure.axes[0]:  # labels on three staggered rows, so neighbouring cues stay readable
            ax.annotate(cue.message, (cue.t_s, 1.0), xycoords=("data", "axes fraction"), rotation=0,
                        fontsize=7, va="bottom", ha="left", xytext=(2, 2 + 9 * (i % 3)), textcoords="offset points")
