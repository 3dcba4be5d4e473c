"""The ground floor: the analysis rate, the 10 ms hop, and what time a frame stands for.

Every layer counts time in frames of this hop, never by the wall clock. Frame k is the window of samples that ends
at sample 160 (k + 1) of the stream (zeros before its start), so its time is 160 (k + 1) / 16000 s.
"""

from __future__ import annotations

ANALYSIS_RATE_HZ = 16_000
HOP = 160  # samples per 10 ms hop at the analysis rate
HOP_S = HOP / ANALYSIS_RATE_HZ
LEVEL_WINDOW = 512  # 32 ms ending at the frame's last sample: level and spectral tilt
PITCH_WINDOW = 800  # 50 ms: pitch down to 60 Hz (267-sample lag + 533-sample integration window)
HISTORY = max(LEVEL_WINDOW, PITCH_WINDOW)  # the longest window a frame needs


def frame_time_s(frame_index: int) -> float:
    """Time of frame k: the end of its window, 160 (k + 1) / 16000 s."""
    return HOP * (frame_index + 1) / ANALYSIS_RATE_HZ
