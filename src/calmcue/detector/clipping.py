"""The agent's microphone driven into clipping: the level it no longer shows, and when to say the gain is too high.

A converter driven past full scale flattens the tops of the waveform, so the measured level stops rising with the
voice: after the mic gain was turned up 30 dB, the agent's raised sentences read only a few dB over their calm
voice (their measured level sits at -4 to 0 dBFS however hard they speak). The share of samples at full scale
(features/loudness.clip_share) still grows with how far past full scale the voice is driven. Measured on the
development speech turned up 20, 30 and 40 dB and clipped, the level a frame lost to clipping is, at the median,
about `LOST_DB_PER_LOG` * -log10(1 - share) dB (0.6 dB at a share of 0.075, 2.2 dB at 0.25, 7 dB at 0.6, 14 dB
at 0.85; the spread grows with the share). So a clipped frame's level is read as that much higher, up to
`MAX_RESTORE_DB`; an unclipped frame is unchanged. A clipped frame's spectral tilt is not read either (the
clipping's harmonics flatten it: a calm voice turned up into clipping read as effortful and fired), so its raise
is judged by level and pitch; and its level, an estimate, is not read for a gain change (gainstep.py, rebase.py).

The agent is told once, calmly, when much of their voicing clips (`ClipWatch`): the fix is the mic gain, and a
clipped voice is also harder to read.
"""

from __future__ import annotations

import math
from collections import deque

LOST_DB_PER_LOG = 18.0  # dB of level lost per -log10(1 - share) (fitted to the medians above)
MAX_SHARE = 0.95  # beyond this the loss is not known (a square wave): restore at most...
MAX_RESTORE_DB = -LOST_DB_PER_LOG * math.log10(1.0 - MAX_SHARE)  # ...about 23 dB
CLIPPED_SHARE = 0.02  # a frame with this share of samples at full scale is clipped (10 samples of 512)
WATCH_FRAMES = 500  # the notice looks at the last 5 s of the agent's voicing...
NOTICE_SHARE = 0.2  # ...and says the gain is too high when a fifth of those frames clip
CLEAR_SHARE = 0.05  # ...and stops saying so when under a twentieth do (after the agent turned it down)


def restored_level_dbfs(level_dbfs: float, share: float) -> float:
    """A frame's level with what clipping took from it added back (the level when `share` is 0)."""
    if not share > 0.0:
        return level_dbfs
    return level_dbfs - LOST_DB_PER_LOG * math.log10(1.0 - min(share, MAX_SHARE))


class ClipWatch:
    """Whether the agent's recent voicing clips often enough to tell them their mic gain is too high."""

    def __init__(self) -> None:
        self._clipped: deque[bool] = deque(maxlen=WATCH_FRAMES)  # the last voiced frames: clipped or not
        self._count = 0  # how many of them clipped
        self.too_high = False  # the mic gain is too high now (a notice is due once it turns on)

    def voiced(self, share: float) -> bool:
        """One voiced frame's clip share; returns True when the gain has just been found too high."""
        clipped = share >= CLIPPED_SHARE
        if len(self._clipped) == WATCH_FRAMES:
            self._count -= self._clipped[0]  # the oldest leaves the window
        self._clipped.append(clipped)
        self._count += clipped
        if len(self._clipped) < WATCH_FRAMES // 5:
            return False
        share_now = self._count / len(self._clipped)
        was = self.too_high
        self.too_high = share_now >= NOTICE_SHARE if not was else share_now >= CLEAR_SHARE
        return self.too_high and not was

    def reset(self) -> None:
        self._clipped.clear()
        self._count = 0
        self.too_high = False
