"""Reading recordings (WAV, FLAC, ...) in blocks with soundfile: decoding here; resampling only to pair two files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from calmcue.audio.resample import StreamResampler
from calmcue.errors import BadInputError
from calmcue.timebase import ANALYSIS_RATE_HZ

BLOCK_S = 1.0


@dataclass(frozen=True)
class AudioFileInfo:
    path: Path
    rate_hz: int
    channels: int
    frames: int  # what the file holds
    promised_frames: int | None = None  # what a WAV header says it holds, when that says more

    @property
    def duration_s(self) -> float:
        return self.frames / self.rate_hz if self.rate_hz else 0.0

    @property
    def truncation_note(self) -> str:
        """One line when the file holds less than its header promises (a copy cut short); '' otherwise."""
        if self.promised_frames is None:
            return ""
        return (f"{self.path}: truncated: its header promises {self.promised_frames / self.rate_hz:.4g} s but the "
                f"file holds {self.duration_s:.4g} s; analysing what is there (copy or export the recording again "
                f"for the rest)")


def probe(path: Path, *, max_channels: int = 2) -> AudioFileInfo:
    """Checks that `path` is a readable audio file with 1..max_channels channels."""
    path = Path(path)
    if not path.exists():
        raise BadInputError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise BadInputError(f"{path}: is a folder, not an audio file")
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError) as err:
        size = path.stat().st_size
        why = "the file is empty" if size == 0 else f"not a readable audio file ({_short(err)})"
        raise BadInputError(f"{path}: {why}; give a WAV or FLAC recording") from None
    if info.channels > max_channels == 1:  # the customer's side given on its own (--far-end)
        raise BadInputError(f"{path}: has {info.channels} channels; --far-end takes the customer's side as a mono "
                            f"file (or give a stereo file alone, agent on channel 0 and customer on channel 1)")
    if info.channels > max_channels:
        raise BadInputError(f"{path}: has {info.channels} channels; CalmCue reads mono, or stereo with the agent "
                            f"on channel 0 and the customer on channel 1")
    if info.samplerate < 8000:
        raise BadInputError(f"{path}: sample rate {info.samplerate} Hz is below 8000 Hz; speech needs at least 8 kHz")
    promised: int | None
    if info.format == "FLAC":  # its header counts what it promises; libsndfile fails where a cut-short file ends
        promised, frames = int(info.frames), _decodable_frames(path, int(info.frames))
        if frames == 0 < promised:
            raise BadInputError(f"{path}: cannot be decoded from the start; the file is damaged - export it again")
    else:  # libsndfile counts what a WAV holds; its header says what it promised
        promised, frames = _wav_promised_frames(path), int(info.frames)
    return AudioFileInfo(path, int(info.samplerate), int(info.channels), frames,
                         promised if promised is not None and promised > frames else None)


def read_blocks(info: AudioFileInfo, *, block_s: float = BLOCK_S) -> Iterator[np.ndarray]:
    """Yields float32 blocks of shape (n, channels); raises BadInputError on damaged or non-finite data."""
    block_frames = max(1, int(info.rate_hz * block_s))
    try:
        with sf.SoundFile(str(info.path)) as f:
            while True:  # never past `info.frames`: a cut-short FLAC is read up to where it still decodes
                block = f.read(min(block_frames, info.frames - f.tell()), dtype="float32", always_2d=True)
                if block.shape[0] == 0:
                    return
                finite = np.isfinite(block)
                if not finite.all():
                    first = int(np.argmin(finite.all(axis=1)))  # the first frame with a bad sample
                    at_s = (f.tell() - block.shape[0] + first) / info.rate_hz
                    raise BadInputError(f"{info.path}: holds NaN or infinite samples, the first at {at_s:.2f} s; "
                                        f"the recording is damaged - export it again")
                yield block
    except (sf.LibsndfileError, RuntimeError) as err:
        raise BadInputError(f"{info.path}: cannot be decoded ({_short(err)}); the file may be truncated") from None


def check_samples(info: AudioFileInfo) -> None:
    """Reads the whole file once, so that damage (NaN or infinite samples, data that cannot be decoded) is one
    BadInputError before a recording starts playing as if live, not an error part-way through it."""
    for _ in read_blocks(info):
        pass


def paired_blocks(agent: AudioFileInfo, far: AudioFileInfo) -> Iterator[np.ndarray]:
    """Both files resampled to the analysis rate and zipped into (n, 2) blocks; the shorter is padded."""
    sides = [_Resampled(agent), _Resampled(far)]
    while not all(side.done for side in sides):
        for side in sides:
            side.fill()
        n = max(len(side.buffer) for side in sides) if all(side.done for side in sides) else \
            min(len(side.buffer) for side in sides)
        if n:
            yield np.stack([side.take(n) for side in sides], axis=1)


class _Resampled:
    def __init__(self, info: AudioFileInfo) -> None:
        self.blocks = read_blocks(info)
        self.resampler = StreamResampler(in_rate_hz=info.rate_hz, channels=1)
        self.buffer = np.zeros(0, np.float32)
        self.done = False

    def fill(self) -> None:
        if self.done or len(self.buffer) >= ANALYSIS_RATE_HZ:
            return
        block = next(self.blocks, None)
        out = self.resampler.flush() if block is None else self.resampler.process(block)
        self.done = block is None
        self.buffer = np.concatenate([self.buffer, out[:, 0]])

    def take(self, n: int) -> np.ndarray:
        out = np.zeros(n, np.float32)
        part = self.buffer[:n]
        out[: len(part)] = part
        self.buffer = self.buffer[n:]
        return out


def _decodable_frames(path: Path, frames: int) -> int:
    """How many of the `frames` a compressed file's header declares decode: all, unless the file was cut short;
    then the end of what decodes, found by bisection (seek, read one frame: a few dozen cheap opens)."""
    def decodes(at: int) -> bool:
        try:
            with sf.SoundFile(str(path)) as f:
                f.seek(at)
                return bool(f.read(1, dtype="float32").shape[0] == 1)
        except (sf.LibsndfileError, RuntimeError):
            return False

    if frames == 0 or decodes(frames - 1):
        return frames
    if not decodes(0):
        return 0
    good, bad = 0, frames - 1
    while bad - good > 1:
        mid = (good + bad) // 2
        good, bad = (mid, bad) if decodes(mid) else (good, mid)
    return good + 1


def _wav_promised_frames(path: Path) -> int | None:
    """The frame count a RIFF/WAVE header declares for its data chunk (None: not a WAV, or size left open).

    libsndfile quietly reads what is there, so a file cut short in copying would otherwise pass as a short one.
    """
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        block_align = 0
        while len(chunk := f.read(8)) == 8:
            size = int.from_bytes(chunk[4:], "little")
            if chunk[:4] == b"fmt ":
                block_align = int.from_bytes(f.read(14)[12:14], "little")
                f.seek(size - 14 + size % 2, 1)
            elif chunk[:4] == b"data":
                return size // block_align if block_align and size not in (0, 0xFFFFFFFF) else None
            else:
                f.seek(size + size % 2, 1)
    return None


def _short(err: Exception) -> str:
    text = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
    return text[:160]
