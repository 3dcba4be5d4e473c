"""The benchmark chart: the latency distribution of each stage per 10 ms hop, the references beside CalmCue,
and the whole-file cost per hop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from calmcue.bench.report import SILERO_PER_10MS, row_label
from calmcue.bench.runner import ROWS, BenchResult

OURS = "#2a9d8f"
THEIRS = "#e76f51"
CHART_ROWS = ("pipeline_2ch_48k", "pipeline_2ch", "pipeline_1ch", "stage_resample_2ch", "stage_reframe_2ch",
              "stage_features_2ch", "stage_detector_2ch", "pitch_2ch", "pitch", "librosa_yin", "librosa_pyin",
              "webrtcvad", "silero_per_10ms")


def _samples(result: BenchResult, row: str) -> np.ndarray:
    if row == "silero_per_10ms":
        series = result.series.get("silero")
        return series.all_us() * SILERO_PER_10MS if series else np.zeros(0)
    series = result.series.get(row)
    return series.all_us() if series else np.zeros(0)


def plot_chart(result: BenchResult, doc: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in CHART_ROWS if _samples(result, r).size][::-1]  # top to bottom as listed
    fig, (live, batch) = plt.subplots(2, 1, figsize=(11, 9.5), height_ratios=[3.2, 1], layout="constrained")
    data = [np.maximum(_samples(result, r), 0.1) for r in rows]
    boxes = live.boxplot(data, vert=False, whis=(1, 99), showfliers=False, widths=0.6, patch_artist=True,
                         medianprops={"color": "black"})
    for patch, row in zip(boxes["boxes"], rows, strict=True):
        patch.set_facecolor(OURS if _who(row) == "calmcue" else THEIRS)
        patch.set_alpha(0.8)
    for y, values in enumerate(data, start=1):
        live.plot(np.percentile(values, 99.9), y, marker="|", color="black", markersize=10)
        live.plot(values.max(), y, marker="x", color="grey", markersize=5)
    live.set_yticks(range(1, len(rows) + 1), [row_label(r)[0] for r in rows], fontsize=8.5)
    live.set_xscale("log")
    live.set_xlabel("µs per 10 ms of audio (box: p25-p75, line: p50, whiskers: p1-p99, |: p99.9, x: max)")
    for x, text, style, align in ((150, "goal: 2 ch p50 150 µs ", ":", "right"),
                                  (500, " goal: 2 ch p99 500 µs", "--", "left"),
                                  (10_000, " 10 ms = one whole core", "-", "left")):
        live.axvline(x, color="grey", linestyle=style, linewidth=0.9)
        live.text(x, len(rows) + 0.6, text, fontsize=7.5, ha=align, va="bottom", color="dimgrey")
    live.set_ylim(0.4, len(rows) + 1.1)
    live.grid(axis="x", which="both", alpha=0.25)
    mode = "quick" if doc["quick"] else "full"
    live.set_title(f"CalmCue live cost per hop vs references ({mode} run, {doc['rounds']} rounds, all calls pooled)"
                   f"\n{doc['machine_cpu']}, {doc['machine_cores']} cores, {doc['created_utc']}", fontsize=10)
    live.legend(handles=[matplotlib.patches.Patch(color=OURS, label="CalmCue"),
                         matplotlib.patches.Patch(color=THEIRS, label="reference")], loc="lower right")
    _batch_panel(batch, doc)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def _who(row: str) -> str:
    return "reference" if row == "silero_per_10ms" else ROWS[row].who


def _batch_panel(ax: Any, doc: dict[str, Any]) -> None:
    bars: list[tuple[str, float, str]] = []
    for row in ("pitch_file", "librosa_yin_file", "librosa_pyin_file"):
        if doc.get(f"{row}_p50_us"):
            bars.append((ROWS[row].label, float(doc[f"{row}_p50_us"]), ROWS[row].who))
    for ch in (1, 2):
        if doc.get(f"rtf_batch_{ch}ch"):
            bars.append((f"calmcue analyze, {ch}-channel WAV", 1e4 / float(doc[f"rtf_batch_{ch}ch"]), "calmcue"))
    bars.reverse()
    ax.barh(range(len(bars)), [b[1] for b in bars], color=[OURS if b[2] == "calmcue" else THEIRS for b in bars])
    for y, (_, value, _) in enumerate(bars):
        ax.text(value, y, f" {value:,.1f} µs ({1e4 / value:,.0f}x real time)", va="center", fontsize=8)
    ax.set_yticks(range(len(bars)), [b[0] for b in bars], fontsize=8.5)
    ax.set_xscale("log")
    if bars:
        values = [b[1] for b in bars]
        ax.set_xlim(min([*values, 1e4 / 300]) / 4, max(values) * 30)
    ax.axvline(1e4 / 300, color="grey", linestyle=":", linewidth=0.9)
    ax.text(1e4 / 300, len(bars) - 0.55, "goal: 300x real time ", fontsize=7.5, ha="right", va="bottom",
            color="dimgrey")
    ax.set_ylim(-0.6, len(bars) - 0.05)
    ax.set_xlabel("batch: µs per 10 ms hop over a whole file (median over rounds)")
    ax.grid(axis="x", which="both", alpha=0.25)
