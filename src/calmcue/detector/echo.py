"""The agent's own voice coming back on the call audio (talker echo) is not the caller speaking.

A caller on a speakerphone, a hybrid on the line or an echo canceller that has not converged sends the agent's voice
back 50-500 ms later, 15-30 dB down. On the call-audio channel it looks like a caller who talks whenever the agent
does and raises their voice whenever the agent does: on the detection benchmark's `echo` row (20 dB down, 120-250 ms
late) a fifth of the caller's calm clips were flagged as raised, and polite answers as cut-ins.

The echo is found from the two level tracks alone: over the frames where the agent spoke `lag` frames before, the
caller channel's level follows the agent's syllable by syllable at one lag, as a copy `loss_db` lower. Per lag the
gate keeps running sums for the correlation of the two levels (decaying, `DECAY` per update: a new call's line takes
over in tens of seconds of the agent's speech) and every `UPDATE_FRAMES` frames takes the lag of the highest
correlation; an echo is there when that correlation reaches `MIN_CORRELATION` and the copy is at least
`MIN_LOSS_DB` weaker than the agent's voice. Then a caller frame counts as the
caller only when it stands `MARGIN_DB` over the echo the agent's voice at that lag predicts (within a frame either
side): the caller talking over the agent is louder than their echo by far more. Such frames (double talk) are left
out of the sums, so a caller who talks over the agent for a while does not make the echo look gone.

The sums are updated in blocks at fixed frame indices, so a file and a live stream give the same decisions.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

MIN_LAG_FRAMES = 3  # 30 ms
MAX_LAG_FRAMES = 50  # 500 ms
UPDATE_FRAMES = 50  # the lag and loss are read again every 0.5 s
DECAY = 0.98  # per update: a time constant of 25 s
MIN_PAIRS = 150.0  # (decayed) frames of the agent's speech before an echo can be declared: 1.5 s
MIN_CORRELATION = 0.7  # an echo 20 dB down reads 0.95; no echo 0.2-0.5 (clean, noise, AGC lines)
MARGIN_DB = 10.0
# An echo comes back weaker than it left. The caller's voice leaking into the agent's headset mic (turns.LeakGate)
# makes the mic follow the caller's level closely too, and a level envelope at a 30-100 ms lag still matches itself;
# read as an "echo" it would come back louder than it left (a negative loss) and would silence the caller
MIN_LOSS_DB = 6.0
_LAGS = np.arange(MIN_LAG_FRAMES, MAX_LAG_FRAMES + 1)
_HISTORY = MAX_LAG_FRAMES + UPDATE_FRAMES + 1
_OLDEST_FIRST = (np.arange(_HISTORY)[None, :] + np.arange(_HISTORY)[:, None]) % _HISTORY  # [_next]: the rings in order


class EchoGate:
    def __init__(self) -> None:
        # the last _HISTORY frames in rings (Python lists: a frame's reads and writes are plain indexing): the agent's
        # level while they speak (NaN: not speaking) and the caller channel's level; `_next` is the oldest
        self._agent = [math.nan] * _HISTORY
        self._caller = [math.nan] * _HISTORY
        self._over = [False] * _HISTORY  # the caller stood over the echo the agent's voice predicted (double talk)
        self._next = 0
        self._filled = 0  # frames written since the last update
        # [agent term, lag, caller term]: decayed sums of the products of the agent's (1, x, xx) `lag` frames before
        # and the caller's (1, y, yy) - n, sum y, sum yy; sum x, sum xy; sum xx (x: the agent's level while they
        # speak, y: the caller channel's level)
        self._sums = np.zeros((3, len(_LAGS), 3))
        self.lag_frames = 0  # 0: no echo found
        self.loss_db = math.nan
        self.correlation = math.nan

    def step(self, *, agent_level_dbfs: float, agent_speech: bool, caller_level_dbfs: float) -> bool:
        """One frame; returns whether the caller channel's frame is the agent's echo rather than the caller."""
        now = self._next
        self._agent[now] = agent_level_dbfs if agent_speech else math.nan
        self._caller[now] = caller_level_dbfs
        self._over[now] = False
        self._next = (now + 1) % _HISTORY
        echo = False
        if self.lag_frames:
            said = [self._agent[(now - self.lag_frames + k) % _HISTORY] for k in (-1, 0, 1)]
            said = [level for level in said if level == level]  # the agent spoke then (NaN != NaN)
            if said:
                echo = caller_level_dbfs < max(said) - self.loss_db + MARGIN_DB
                self._over[now] = not echo
        self._filled += 1
        if self._filled == UPDATE_FRAMES:
            self._update()
        return echo

    def _update(self) -> None:
        """Adds the last UPDATE_FRAMES frames' pairs at every lag to the decayed sums; reads the lag again."""
        self._filled = 0
        oldest_first = _OLDEST_FIRST[self._next]
        agent = np.array(self._agent)[oldest_first]
        said = np.where(agent == agent, agent, 0.0)  # NaN (not speaking) != NaN
        terms = np.stack([agent == agent, said, said * said])  # (3, _HISTORY), oldest first
        # at lag _LAGS[k], frame j of the update (oldest first: _HISTORY - UPDATE_FRAMES + j) reads the agent's terms
        # at MAX_LAG_FRAMES - MIN_LAG_FRAMES + 1 - k + j: a view
        row, step = terms.strides
        before = as_strided(terms[:, MAX_LAG_FRAMES - MIN_LAG_FRAMES + 1:], shape=(3, len(_LAGS), UPDATE_FRAMES),
                            strides=(row, -step, step), writeable=False)
        frames = oldest_first[-UPDATE_FRAMES:]
        heard = np.where(np.array(self._over)[frames], 0.0, 1.0)  # double talk tells nothing of the line
        caller = np.array(self._caller)[frames] * heard
        self._sums *= DECAY
        self._sums += before @ np.stack([heard, caller, caller * caller], axis=1)  # [agent term, lag, caller term]
        n, sx, sxx = self._sums[:, :, 0]
        sy, sxy, syy = self._sums[0, :, 1], self._sums[1, :, 1], self._sums[0, :, 2]
        with np.errstate(invalid="ignore", divide="ignore"):  # n * var: the n cancel in the correlation
            correlation = (n * sxy - sx * sy) / np.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy))
        correlation[np.isnan(correlation) | (n < MIN_PAIRS)] = -np.inf
        best = int(correlation.argmax())
        if correlation[best] == -np.inf:
            return
        self.correlation = float(correlation[best])
        loss_db = float((sx[best] - sy[best]) / n[best])
        if self.correlation >= MIN_CORRELATION and loss_db >= MIN_LOSS_DB:
            self.lag_frames, self.loss_db = int(_LAGS[best]), loss_db
        else:
            self.lag_frames, self.loss_db = 0, math.nan
