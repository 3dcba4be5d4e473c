"""Latency summaries: per round, then the median of each figure over rounds (the machine is shared and noisy)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PERCENTILES = {"p50": 50.0, "p99": 99.0, "p99_9": 99.9}


@dataclass(frozen=True)
class Summary:
    """Microseconds per call; `core_pct` = mean cost as a share of the audio the call covers."""

    p50_us: float
    p99_us: float
    p99_9_us: float
    max_us: float
    mean_us: float
    core_pct: float
    calls: int

    def scaled(self, factor: float) -> Summary:
        """The same figures per a different amount of audio (e.g. a 32 ms chunk -> per 10 ms)."""
        return Summary(self.p50_us * factor, self.p99_us * factor, self.p99_9_us * factor, self.max_us * factor,
                       self.mean_us * factor, self.core_pct, self.calls)


def summarise(ns: np.ndarray, *, audio_s: float) -> Summary:
    """One round: `ns` holds the duration of each call, each call covering `audio_s` of audio."""
    us = np.asarray(ns, np.float64) / 1e3
    p50, p99, p999 = np.percentile(us, list(PERCENTILES.values()))
    mean = float(us.mean())
    return Summary(float(p50), float(p99), float(p999), float(us.max()), mean, 100.0 * mean / (audio_s * 1e6),
                   int(us.size))


def median_of(rounds: list[Summary]) -> Summary:
    """Each figure's median over rounds."""
    def med(name: str) -> float:
        return float(np.median([getattr(r, name) for r in rounds]))

    return Summary(med("p50_us"), med("p99_us"), med("p99_9_us"), med("max_us"), med("mean_us"), med("core_pct"),
                   int(sum(r.calls for r in rounds)))


@dataclass
class Series:
    """All rounds of one measured row, plus every raw duration for the distribution chart."""

    rounds: list[Summary] = field(default_factory=list)
    raw_ns: list[np.ndarray] = field(default_factory=list)

    def add(self, ns: np.ndarray, *, audio_s: float) -> None:
        if len(ns):
            self.rounds.append(summarise(ns, audio_s=audio_s))
            self.raw_ns.append(np.asarray(ns, np.int64))

    def summary(self) -> Summary | None:
        return median_of(self.rounds) if self.rounds else None

    def all_us(self) -> np.ndarray:
        return np.concatenate(self.raw_ns) / 1e3 if self.raw_ns else np.zeros(0)
