"""How far a levelling line's gain has dipped after a raise, read from the calm voice that follows it.

A line with automatic gain control (a mobile phone, a softphone) takes its gain down while the voice is raised and
gives it back at a few dB a second over the speech that follows; in pauses it holds. So for seconds after a raise
every voice on the line reads quieter than it is, and the next raise reads as little as the calm voice did: on the
agcline stress row most of the caller's misses were raises heard 5-20 dB under their level while such a dip lasted
(benchmarks/results/detection_dip12.txt), with the reading over the pauses' floor (linefloor.py) short of the
+9 dB it needs to speak.

So after a raise (within `AFTER_RAISE_FRAMES`), the median level over the calm level of the last `CALM_FRAMES` of
calm-sounding voicing (rebase.calm_sounding) heard while the track reads no raise is the dip's reading; `DIP_MIN_DB`
or more under it says the gain may have come down, and `CALM_SLACK_DB` less than the reading is offered as the dip
(soft calm speech's own share). A soft voice reads low too, on any line, so the track takes that dip only as far as
the pauses' floor fell with it (speaker.py): a gain moves the voice and the line's noise together, a voice only
itself. The reading follows the calm voice back up as the gain climbs; a raise never deepens it (the gain falls
further during a raise, so the next one is read short rather than long). Nothing here knows a line's rate, target or
ceiling.
"""

from __future__ import annotations

from calmcue.detector.quantile import RunningQuantile

AFTER_RAISE_FRAMES = 1000  # calm voicing within 10 s of a raise tells a dip (an AGC climbs back at a few dB/s)
CALM_FRAMES = 200  # the median over the last 2 s of calm-sounding voicing (raised sentences hold calm-sounding
# frames that read high; over 1 s they pulled the reading up: agcline caller 86.9 against 88.2 % caught)...
CALM_MIN_FRAMES = 30  # ...once 0.3 s of it was heard
DIP_MIN_DB = 6.0  # ...this far under the calm level at least: the gain dipped (soft calm speech reads a few dB under)
CALM_SLACK_DB = 3.0  # the part of the reading that soft calm speech accounts for: not taken as the line's


class LineDip:
    """The dip of a levelling line's gain after a raise, from the calm-sounding voice after it."""

    def __init__(self) -> None:
        self._calm = RunningQuantile(CALM_FRAMES)
        self._since_raise = AFTER_RAISE_FRAMES + 1

    def hop(self, *, raised: bool) -> None:
        """Every frame: whether the track read the voice raised."""
        if raised:
            self._since_raise = 0
        elif self._since_raise <= AFTER_RAISE_FRAMES:
            self._since_raise += 1

    def voiced(self, *, level_over_db: float, calm_sounding: bool) -> None:
        """A settled voiced frame of the speaker: its short-term level over the calm level (dB); `calm_sounding`: its
        pitch and tilt are the calm voice's and the track reads no raise (a raise's level says nothing of the gain)."""
        if self._since_raise > AFTER_RAISE_FRAMES and not self.dip_db:
            self._calm.clear()  # long after a raise, with no dip left to follow: soft speech is no dip
            return
        if calm_sounding:
            self._calm.add(level_over_db)  # (read only where the dip is asked for)

    @property
    def dip_db(self) -> float:
        """How many dB the line's gain is under the calm level's now, as far as the calm voice tells (0.0: none)."""
        if len(self._calm) < CALM_MIN_FRAMES:
            return 0.0
        reading_db = -self._calm.value()
        return reading_db - CALM_SLACK_DB if reading_db >= DIP_MIN_DB else 0.0
