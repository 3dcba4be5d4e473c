"""Signal conventions shared by the whole engine (see DESIGN.md)."""

from __future__ import annotations

ANALYSIS_RATE_HZ = 16_000
HOP = 160  # samples per 10 ms hop at the analysis rate
HOP_S = HOP / ANALYSIS_RATE_HZ
LEVEL_WINDOW = 512  # 32 ms: level and spectral tilt
PITCH_WINDOW = 800  # 50 ms: pitch down to 60 Hz (267-sample lag + 533-sample integration window)
HISTORY = max(LEVEL_WINDOW, PITCH_WINDOW)
LEVEL_FLOOR_DBFS = -100.0


def frame_time_s(frame_index: int) -> float:
    """Time of frame k: the end of its window, 160 (k + 1) / 16000 s."""
    return HOP * (frame_index + 1) / ANALYSIS_RATE_HZ
