"""The benchmark's figures as flat JSON (schema 1), a Markdown report, the terminal summary and the README block.

Every latency key is `<row>_<figure>` with the figure one of p50_us, p99_us, p99_9_us, max_us, mean_us
(microseconds per call, each the median over rounds) and core_pct (mean cost as a share of one core for the
audio one call covers). What could not be measured is null, with the reason under "notes".
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import IO, Any

from calmcue import __version__
from calmcue.bench.runner import ROWS, BenchResult
from calmcue.bench.silero import CHUNK_S
from calmcue.bench.stats import Summary

SCHEMA = 1
FIGURES = ("p50_us", "p99_us", "p99_9_us", "max_us", "mean_us", "core_pct")
SILERO_PER_10MS = 0.010 / CHUNK_S

# (key, comparison, target, what it means)
GOALS = (
    ("tray_listen_cpu_pct", "<=", 2.0, "tray app listening to two channels (a quiet room), % of one core"),
    ("tray_listen_over_floor", "<=", 1.5, "tray app listening, over the capture floor"),
    ("pipeline_2ch_p50_us", "<=", 100.0, "two channels, p50 per 10 ms hop"),
    ("pipeline_2ch_p99_us", "<=", 300.0, "two channels, p99 per 10 ms hop"),
    ("librosa_yin_over_pitch_p50", ">=", 3.0, "pitch at least 3x faster than librosa.yin (p50 per hop)"),
    ("gpe_librosa_yin_minus_calmcue_yin", ">=", 0.0, "pitch GPE equal or better than librosa.yin (FDA-UE)"),
    ("rtf_batch_2ch", ">=", 1000.0, "batch `analyze` of a two-channel call, x real time, one core"),
    ("tray_idle_rss_mb", "<=", 150.0, "tray app idle memory (RSS), MB"),
    ("monitor_latency_p99_ms", "<=", 40.0, "callback to features p99 (live monitor, a quiet room and speech), ms"),
)

# Ratios: reference cost / CalmCue cost, both p50 (or whole-file per hop); > 1 means CalmCue is cheaper.
RATIOS = (
    ("librosa_yin_over_pitch_p50", "librosa_yin_p50_us", "pitch_p50_us"),
    ("librosa_pyin_over_pitch_p50", "librosa_pyin_p50_us", "pitch_p50_us"),
    ("librosa_yin_file_over_pitch_file", "librosa_yin_file_p50_us", "pitch_file_p50_us"),
    ("librosa_pyin_file_over_pitch_file", "librosa_pyin_file_p50_us", "pitch_file_p50_us"),
    ("webrtcvad_over_pipeline_1ch_p50", "webrtcvad_p50_us", "pipeline_1ch_p50_us"),
    ("silero_per_10ms_over_pipeline_1ch_p50", "silero_per_10ms_p50_us", "pipeline_1ch_p50_us"),
)

UNITS = {
    "*_p50_us ... *_max_us": "microseconds per call (per 10 ms hop unless noted), median over rounds",
    "*_core_pct": "mean cost (wall clock) as % of one core for the audio one call covers",
    "pipeline_*_cpu_pct": "thread CPU time over a whole round as % of the audio time (waiting for the CPU on a "
                          "busy machine not counted)",
    "silero_*": "per 32 ms chunk (512 samples), Silero's native size; silero_per_10ms_* scales it to 10 ms",
    "*_file_*": "whole-file (batch) run, microseconds per 10 ms hop",
    "pipeline_2ch_48k_*": "one push of 480 samples at 48 kHz (10 ms), through the streaming resampler",
    "rtf_batch": "`analyze` of a two-channel WAV (decoding included), audio seconds per wall-clock second",
    "rtf_batch_*_cpu": "the same per CPU second (less sensitive to other load on the machine)",
    "gpe_* / vde_*": "FDA-UE gross pitch error (>20 % off) / voicing decision error, 0..1",
    "startup_s": "tray app launch to ready; idle_rss_mb (= tray_idle_rss_mb) its resident memory when idle",
    "monitor_latency_*_ms": "callback to features (the newest sample of a block read to its features) over the "
                            "live monitor's whole run, a quiet room and speech, from its --stats-json",
    "capture_floor_cpu_pct": "the cheapest bare capture of the same two streams doing nothing (capture_floor_stack "
                             "says which), % of one core, process CPU time over wall time",
    "tray_listen_cpu_pct / monitor_cpu_pct": "the app listening to its two default devices between calls, % of "
                                             "one core, its parec children included, while a generated quiet room "
                                             "plays into them (listen_input says what played: a real microphone is "
                                             "never digitally silent); *_speech_cpu_pct the same while the demo "
                                             "call plays into them",
    "*_over_floor": "that CPU use over the capture floor's",
    "capture_other_streams": "other clients' capture streams on the sound server while the floor and the apps ran "
                             "(`make bench` runs with none, as on a desktop: with_services.sh HARNESS_READERS=off)",
    "load_1min_apps_*": "the machine's 1-minute load average before and after the floor and app spans",
    "*_over_*": "cost ratio (reference / CalmCue); above 1 CalmCue is cheaper",
}


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)


def _latency_keys(result: BenchResult) -> dict[str, Any]:
    out: dict[str, Any] = {}
    summaries: dict[str, Summary | None] = {row: (s.summary() if (s := result.series.get(row)) else None)
                                            for row in ROWS}
    silero = summaries.get("silero")
    summaries["silero_per_10ms"] = silero.scaled(SILERO_PER_10MS) if silero else None
    for row, summary in summaries.items():
        for figure in FIGURES:
            out[f"{row}_{figure}"] = _round(getattr(summary, figure)) if summary else None
    return out


def _accuracy_keys(result: BenchResult) -> dict[str, Any]:
    out: dict[str, Any] = {"accuracy_files": result.accuracy_files}
    for name in ("calmcue_yin", "calmcue_pipeline", "librosa_yin", "librosa_pyin"):
        score = result.accuracy.get(name)
        out[f"gpe_{name}"] = _round(score.gpe, 4) if score else None
        if name in ("calmcue_pipeline", "librosa_pyin"):
            out[f"vde_{name}"] = _round(score.vde, 4) if score else None
    a, b = out["gpe_librosa_yin"], out["gpe_calmcue_yin"]
    out["gpe_librosa_yin_minus_calmcue_yin"] = _round(a - b, 4) if a is not None and b is not None else None
    return out


def _app_keys(result: BenchResult) -> tuple[dict[str, Any], dict[str, str]]:
    tray, monitor, floor = result.tray, result.monitor, result.floor
    base = floor.cpu_pct if floor else None
    out: dict[str, Any] = {
        "startup_s": _round(tray.startup_s, 3) if tray else None,
        "startup_method": tray.startup_method if tray else None,
        "idle_rss_mb": _round(tray.idle_rss_mb, 1) if tray else None,
        "tray_idle_rss_mb": _round(tray.idle_rss_mb, 1) if tray else None,
        "tray_idle_cpu_pct": _round(tray.idle_cpu_pct) if tray else None,
        "tray_listen_cpu_pct": _round(tray.idle_cpu_pct) if tray else None,
        "tray_speech_cpu_pct": _round(tray.speech_cpu_pct) if tray else None,
        "monitor_cpu_pct": _round(monitor.cpu_pct) if monitor else None,
        "monitor_speech_cpu_pct": _round(monitor.speech_cpu_pct) if monitor else None,
        "monitor_rss_mb": _round(monitor.rss_mb, 1) if monitor else None,
        "monitor_latency_p50_ms": _round(monitor.latency_p50_ms, 1) if monitor else None,
        "monitor_latency_p99_ms": _round(monitor.latency_p99_ms, 1) if monitor else None,
        "capture_floor_cpu_pct": _round(base),
        "capture_floor_stack": floor.stack if floor else "",
        "capture_floor_candidates": {k: _round(v) if isinstance(v, float) else v
                                     for k, v in floor.candidates.items()} if floor else {},
        "listen_input": (tray.listen_input if tray else "") or (monitor.listen_input if monitor else ""),
        "capture_other_streams": floor.others if floor else "",
        "tray_setting": tray.setting if tray else "",
        "monitor_setting": monitor.setting if monitor else "",
        "load_1min_apps_start": result.load_during_apps[0] if result.load_during_apps else None,
        "load_1min_apps_end": result.load_during_apps[1] if result.load_during_apps else None,
    }
    for key in ("tray_listen", "tray_speech", "monitor", "monitor_speech"):
        value = out[f"{key}_cpu_pct"]
        out[f"{key}_over_floor"] = _round(value / base, 2) if value is not None and base else None
    notes = {}
    if tray and tray.reason:
        notes.update({k: tray.reason for k in ("startup_s", "idle_rss_mb", "tray_idle_rss_mb", "tray_listen_cpu_pct")})
    if tray and tray.speech_reason:
        notes["tray_speech_cpu_pct"] = tray.speech_reason
    if monitor and monitor.reason:
        notes["monitor_cpu_pct"] = notes["monitor_latency_p99_ms"] = monitor.reason
    elif monitor and monitor.latency_p99_ms is None:
        notes["monitor_latency_p99_ms"] = "the monitor wrote no --stats-json"
    if monitor and monitor.speech_reason:
        notes["monitor_speech_cpu_pct"] = monitor.speech_reason
    if floor and floor.cpu_pct is None:
        notes["capture_floor_cpu_pct"] = "; ".join(f"{k}: {v}" for k, v in floor.candidates.items())
    return out, notes


def flat(result: BenchResult, machine: dict[str, object]) -> dict[str, Any]:
    """The JSON document: schema 1, flat keys."""
    out: dict[str, Any] = {"schema": SCHEMA, "calmcue_version": __version__, **machine, "quick": result.config.quick,
                           "rounds": result.config.rounds, "input": result.source,
                           "input_s_per_channel": result.config.speech_s, "bench_wall_s": round(result.wall_s, 1)}
    out.update(_latency_keys(result))
    for row, values in result.cpu_pct.items():
        out[f"{row}_cpu_pct"] = _round(_median(values), 3)
    rtf = {k: _median(v) for k, v in result.rtf.items()}
    out.update({"rtf_batch": _round(rtf.get("2ch_wall"), 1), "rtf_batch_1ch": _round(rtf.get("1ch_wall"), 1),
                "rtf_batch_2ch": _round(rtf.get("2ch_wall"), 1), "rtf_batch_1ch_cpu": _round(rtf.get("1ch_cpu"), 1),
                "rtf_batch_2ch_cpu": _round(rtf.get("2ch_cpu"), 1)})
    for key, num, den in RATIOS:
        a, b = out.get(num), out.get(den)
        out[key] = _round(a / b, 3) if a is not None and b else None
    out.update(_accuracy_keys(result))
    apps, notes = _app_keys(result)
    out.update(apps)
    for key, op, target, _ in GOALS:
        value = out.get(key)
        out[f"goal_{key}"] = None if value is None else bool(value <= target if op == "<=" else value >= target)
    for name, why in result.unavailable.items():
        notes.update({k: why for k in out if k.startswith(name + "_") and out[k] is None})
    unavailable = dict(result.unavailable)
    if result.tray and result.tray.reason:
        unavailable["tray"] = result.tray.reason
    if result.monitor and result.monitor.reason:
        unavailable["monitor"] = result.monitor.reason
    out["notes"] = notes  # null key -> why
    out["unavailable"] = unavailable  # what could not be measured -> why
    out["units"] = UNITS
    if result.silero_model:
        out["silero_model"] = result.silero_model
    return out


def write_json(doc: dict[str, Any], path: Path) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    tmp.replace(path)


# --- text ------------------------------------------------------------------------------------------------------


def _f(value: Any, digits: int = 0, unit: str = "") -> str:
    if value is None:
        return "unavailable"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:,.{digits}f}{unit}"


def _vs(doc: dict[str, Any], row: str) -> str:
    pairs = {"librosa_yin": "librosa_yin_over_pitch_p50", "librosa_pyin": "librosa_pyin_over_pitch_p50",
             "webrtcvad": "webrtcvad_over_pipeline_1ch_p50", "silero_per_10ms": "silero_per_10ms_over_pipeline_1ch_p50",
             "librosa_yin_file": "librosa_yin_file_over_pitch_file",
             "librosa_pyin_file": "librosa_pyin_file_over_pitch_file"}
    against = {"librosa_yin": "pitch", "librosa_pyin": "pitch", "webrtcvad": "pipeline 1 ch",
               "silero_per_10ms": "pipeline 1 ch", "librosa_yin_file": "pitch, whole file",
               "librosa_pyin_file": "pitch, whole file"}
    if row not in pairs or doc.get(pairs[row]) is None:
        return ""
    return f"{doc[pairs[row]]:.2f} x {against[row]}"


LIVE_ROWS = ("pipeline_2ch_48k", "pipeline_2ch", "pipeline_1ch", "stage_resample_2ch", "stage_reframe_2ch",
             "stage_features_2ch", "stage_detector_2ch", "stage_resample_1ch", "stage_reframe_1ch",
             "stage_features_1ch", "stage_detector_1ch", "pitch_2ch", "pitch", "activity_model_2ch",
             "activity_model_2ch_x5", "librosa_yin", "librosa_pyin",
             "webrtcvad", "silero", "silero_per_10ms")
FILE_ROWS = ("pitch_file", "librosa_yin_file", "librosa_pyin_file")


def row_label(row: str) -> tuple[str, str]:
    if row == "silero_per_10ms":
        return "Silero VAD, per 10 ms of audio", "10 ms (scaled)"
    return ROWS[row].label, ROWS[row].per


def live_table(doc: dict[str, Any]) -> list[str]:
    lines = ["| what | per | p50 µs | p99 µs | p99.9 µs | max µs | % of one core (CPU time) | cost vs CalmCue |",
             "|---|---|--:|--:|--:|--:|--:|---|"]
    for row in LIVE_ROWS:
        label, per = row_label(row)
        if doc.get(f"{row}_p50_us") is None:
            lines.append(f"| {label} | {per} | unavailable | | | | | |")
            continue
        cells = [_f(doc[f"{row}_{k}"]) for k in ("p50_us", "p99_us", "p99_9_us", "max_us")]
        cpu = doc.get(f"{row}_cpu_pct")
        core = _f(doc[f"{row}_core_pct"], 2) + (f" ({cpu:.2f})" if cpu is not None else "")
        lines.append(f"| {label} | {per} | " + " | ".join(cells) + f" | {core} | {_vs(doc, row)} |")
    return lines


def batch_table(doc: dict[str, Any]) -> list[str]:
    lines = ["| what | µs per 10 ms hop | x real time | cost vs CalmCue |", "|---|--:|--:|---|"]
    for row in FILE_ROWS:
        us = doc.get(f"{row}_p50_us")
        lines.append(f"| {ROWS[row].label} | {_f(us, 1)} | {_f(1e4 / us if us else None)} | {_vs(doc, row)} |")
    for ch in (1, 2):
        rtf = doc.get(f"rtf_batch_{ch}ch")
        cpu = doc.get(f"rtf_batch_{ch}ch_cpu")
        lines.append(f"| `calmcue analyze`, {ch}-channel WAV (wall clock; per CPU second: {_f(cpu)}x) | "
                     f"{_f(1e4 / rtf if rtf else None, 1)} | {_f(rtf)} | |")
    return lines


def accuracy_table(doc: dict[str, Any]) -> list[str]:
    lines = ["| tracker | GPE | VDE | frames scored for GPE |", "|---|--:|--:|---|"]
    rows = (("calmcue_yin", "CalmCue YIN (what `pitch` times)", "all frames the laryngograph calls voiced"),
            ("librosa_yin", "librosa.yin", "all frames the laryngograph calls voiced"),
            ("calmcue_pipeline", "CalmCue pipeline F0 (YIN + octave guard + voicing)", "voiced in both"),
            ("librosa_pyin", "librosa.pyin", "voiced in both"))
    for key, label, frames in rows:
        gpe = doc.get(f"gpe_{key}")
        vde = doc.get(f"vde_{key}")
        lines.append(f"| {label} | {_f(gpe * 100 if gpe is not None else None, 1, ' %')} | "
                     f"{_f(vde * 100, 1, ' %') if vde is not None else 'n/a'} | {frames} |")
    return lines


def goals_table(doc: dict[str, Any]) -> list[str]:
    lines = ["| goal | target | measured | met |", "|---|--:|--:|---|"]
    for key, op, target, what in GOALS:
        value = doc.get(key)
        shown = _f(value, 2 if "over" in key else 1 if key.endswith(("_cpu_pct", "_ms")) else 0)
        if key.startswith("gpe"):  # as the two error rates
            ours, theirs = doc.get("gpe_calmcue_yin"), doc.get("gpe_librosa_yin")
            shown = "unavailable" if ours is None or theirs is None else f"{ours:.2%} vs {theirs:.2%}"
            target_text = "CalmCue <= librosa"
        else:
            target_text = f"{op} {target:g}"
        lines.append(f"| {what} | {target_text} | {shown} | {_f(doc.get(f'goal_{key}'))} |")
    return lines


def apps_table(doc: dict[str, Any]) -> list[str]:
    notes = doc.get("notes", {})
    method = f" ({doc['startup_method']})" if doc.get("startup_method") else ""

    def cpu(key: str) -> str:
        ratio = doc.get(key.replace("_cpu_pct", "_over_floor"))
        return _f(doc.get(key), 2, " % of one core") + (f", {ratio:.2f}x the floor" if ratio is not None else "")

    rows = (("capture floor: bare capture of the same two streams", cpu("capture_floor_cpu_pct"),
             "capture_floor_cpu_pct"),
            ("tray app start-up, launch to ready", _f(doc.get("startup_s"), 2, " s") + method, "startup_s"),
            ("tray app idle memory (RSS)", _f(doc.get("idle_rss_mb"), 1, " MB"), "idle_rss_mb"),
            ("tray app listening, quiet room", cpu("tray_listen_cpu_pct"), "tray_listen_cpu_pct"),
            ("tray app listening, speech", cpu("tray_speech_cpu_pct"), "tray_speech_cpu_pct"),
            ("live monitor, quiet room", cpu("monitor_cpu_pct"), "monitor_cpu_pct"),
            ("live monitor, speech", cpu("monitor_speech_cpu_pct"), "monitor_speech_cpu_pct"),
            ("live monitor memory (RSS)", _f(doc.get("monitor_rss_mb"), 1, " MB"), "monitor_cpu_pct"),
            ("live monitor, callback to features p50 / p99",
             f"{_f(doc.get('monitor_latency_p50_ms'), 1)} / {_f(doc.get('monitor_latency_p99_ms'), 1, ' ms')}",
             "monitor_latency_p99_ms"))
    load = (f"load average {doc.get('load_1min_apps_start')} -> {doc.get('load_1min_apps_end')}; other capture "
            f"streams on the server: {doc.get('capture_other_streams') or 'not known'}")
    lines = ["| what | measured | note |", "|---|--:|---|"]
    for what, value, key in rows:
        if key == "capture_floor_cpu_pct":
            setting = doc.get("capture_floor_stack") or ""
        else:
            setting = doc.get("monitor_setting" if key.startswith("monitor") else "tray_setting") or ""
        note = notes.get(key, "") if value.startswith("unavailable") else f"{setting}; {load}"
        lines.append(f"| {what} | {value} | {note} |")
    return lines


def header(doc: dict[str, Any]) -> list[str]:
    from calmcue.bench.machine import one_line

    mode = "quick" if doc["quick"] else "full"
    return [f"{doc['created_utc']}, calmcue {doc['calmcue_version']} ({doc.get('git_commit') or 'no git'}), "
            f"{mode} run: {doc['rounds']} interleaved rounds, figures are medians over rounds, "
            f"single-threaded numpy. Input: {doc['input']}, {doc['input_s_per_channel']:g} s per channel.",
            "", f"Machine: {one_line(doc)}."]


def markdown(doc: dict[str, Any], *, chart: str | None) -> str:
    parts = ["# CalmCue benchmark", "", *header(doc), "", "## Goals", "", *goals_table(doc), "",
             "## Live cost (one push per 10 ms hop)", "", *live_table(doc), "",
             "## Batch", "", *batch_table(doc), "",
             f"## Pitch accuracy on FDA-UE ({doc['accuracy_files']} files)", "", *accuracy_table(doc), "",
             "## Desktop apps", "", *apps_table(doc), ""]
    if chart:
        parts += [f"![latency per stage and references]({chart})", ""]
    unavailable = doc.get("unavailable", {})
    if unavailable:
        parts += ["## Not measured", ""] + [f"- {k}: {v}" for k, v in unavailable.items()] + [""]
    return "\n".join(parts)


README_START = "<!-- bench:start (written by `calmcue bench --readme`) -->"
README_END = "<!-- bench:end -->"


def readme_block(doc: dict[str, Any], *, chart: str | None, report: str | None) -> str:
    keys = ("pipeline_2ch", "pipeline_1ch", "pitch", "librosa_yin", "librosa_pyin", "webrtcvad", "silero_per_10ms")
    table = [line for line in live_table(doc) if any(line.startswith(f"| {row_label(k)[0]} |") for k in keys)]
    parts = [README_START, "", *header(doc), "", *goals_table(doc), "", *live_table(doc)[:2], *table, "",
             *accuracy_table(doc), "", *apps_table(doc), ""]
    if chart:
        parts += [f"![latency per stage and references]({chart})", ""]
    if report:
        parts += [f"Full report: [{report}]({report}). Run `make bench` to measure again.", ""]
    parts.append(README_END)
    return "\n".join(parts)


def update_readme(path: Path, block: str) -> None:
    """Replaces the marked block; without markers, the body of a '## Benchmarks' section (or appends one)."""
    text = path.read_text(encoding="utf-8")
    if README_START in text and README_END in text:
        head, rest = text.split(README_START, 1)
        tail = rest.split(README_END, 1)[1]
        text = head + block + tail
    elif "\n## Benchmarks\n" in text:
        head, rest = text.split("\n## Benchmarks\n", 1)
        nxt = rest.find("\n## ")
        tail = rest[nxt:] if nxt >= 0 else "\n"
        text = head + "\n## Benchmarks\n\n" + block + "\n" + tail
    else:
        text = text.rstrip("\n") + "\n\n## Benchmarks\n\n" + block + "\n"
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def print_summary(doc: dict[str, Any], out: IO[str]) -> None:
    lines = [*header(doc), "", *goals_table(doc), "", *live_table(doc), "", *batch_table(doc), "",
             *accuracy_table(doc), "", *apps_table(doc)]
    out.write("\n".join(lines) + "\n")
