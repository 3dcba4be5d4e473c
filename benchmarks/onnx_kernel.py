"""Issue 15, kernel13: would onnxruntime pay as the compiled kernel for a hop's numpy features? (It does not:
benchmarks/results/profiles/kernel13.md.)

Builds the prototype ONNX graphs in memory with the `onnx` package (the `train` extra; the app never imports it)
and times them against the numpy code they would replace, on the AMI input of benchmarks/hop_cost.py:

    CALMCUE_DATA=/work/shared/data .venv/bin/python benchmarks/onnx_kernel.py check     # graphs against numpy
    ... benchmarks/onnx_kernel.py parts         # each part hot (the same call repeated), one live hop, two channels
    ... benchmarks/onnx_kernel.py overhead      # onnxruntime's cost per run and per node against numpy's per call
    ... benchmarks/onnx_kernel.py inplace plain|fused hop1|hop|batch|...    # hop_cost.py, the model's input in or
                                                                            # out of its graph

The graphs: `front` (level, Hann power spectrum by the DFT op, band energies), `power_matmul` (the power spectrum
as one MatMul with a windowed DFT matrix), `yin_dft` (YIN's difference function: two DFTs, CumSum), `yin_conv`
(YIN's correlation as a grouped Conv, each window's head its own kernel), `with_input` (activity_input.py's 23
features in float64, then the shipped model's own nodes: one run per block, the slow running mean over a block's
hops by a lower-triangular matrix) and `with_input_live` (the same for one hop, in the fewest nodes).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from calmcue.features import activity_input as ai
from calmcue.features.activity import ABSOLUTE_FLOOR_DBFS
from calmcue.features.activity_model import ActivityModel, model_dir, shared_model
from calmcue.features.loudness import level_dbfs
from calmcue.features.pitch import INTEGRATION, TAU_MAX, normalised_difference, yin
from calmcue.features.spectral import _HIGH, _LOW, _WINDOW_64, power_spectrum, spectral_shape
from calmcue.timebase import LEVEL_WINDOW, PITCH_WINDOW

F64, F32 = TensorProto.DOUBLE, TensorProto.FLOAT
TEN_OVER_LN10 = 10.0 / np.log(10.0)  # 10 log10(x) = ln(x) * this
BINS = LEVEL_WINDOW // 2 + 1


class Graph:
    """A few lines per node: constants become initializers, every node gets a fresh output name unless given."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []

    def const(self, value: Any, dtype: Any = np.int64) -> str:
        name = f"c{len(self.inits)}"
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype), name))
        return name

    def op(self, op_type: str, *inputs: str, out: str | None = None, **attrs: Any) -> str:
        name = out or f"t{len(self.nodes)}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [name], **attrs))
        return name

    def session(self, inputs: list[tuple[str, int, list[Any]]], outputs: list[tuple[str, int, list[Any]]]) -> Any:
        graph = helper.make_graph(self.nodes, "kernel13", [helper.make_tensor_value_info(*i) for i in inputs],
                                  [helper.make_tensor_value_info(*o) for o in outputs], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        return new_session(model.SerializeToString())


def new_session(data: bytes) -> Any:
    """The options activity_model.load uses."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = options.enable_mem_pattern = False
    options.log_severity_level = 3
    return ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])


def _last(g: Graph, x: str, start: int, stop: int) -> str:
    return g.op("Slice", x, g.const([start]), g.const([stop]), g.const([-1]))


def _db(g: Graph, x: str) -> str:
    return g.op("Mul", g.op("Log", x), g.const(TEN_OVER_LN10, np.float64))


def front() -> Any:
    """windows (H, C, 800) float32 -> level (H, C), power (H, C, 257), bands (H, C, 3: band, low, high), float64."""
    g = Graph()
    tail = g.op("Cast", _last(g, "windows", PITCH_WINDOW - LEVEL_WINDOW, PITCH_WINDOW), to=F64)
    mean_square = g.op("Mul", g.op("ReduceSum", g.op("Mul", tail, tail), g.const([-1]), keepdims=0),
                       g.const(1.0 / LEVEL_WINDOW, np.float64))
    level = _db(g, g.op("Max", mean_square, g.const(1e-30, np.float64)))
    g.op("Max", level, g.const(-100.0, np.float64), out="level")
    windowed = g.op("Unsqueeze", g.op("Mul", tail, g.const(_WINDOW_64, np.float64)), g.const([-1]))
    spectrum = g.op("DFT", windowed, g.const(LEVEL_WINDOW), onesided=1, axis=2)  # (H, C, 257, 2)
    g.op("ReduceSum", g.op("Mul", spectrum, spectrum), g.const([-1]), keepdims=0, out="power")
    low = g.op("ReduceSum", _last(g, "power", _LOW.start, _LOW.stop), g.const([-1]), keepdims=1)
    high = g.op("ReduceSum", _last(g, "power", _HIGH.start, _HIGH.stop), g.const([-1]), keepdims=1)
    bands = g.op("Concat", g.op("Add", low, high), low, high, axis=-1)
    g.op("Mul", g.op("Log", g.op("Add", bands, g.const(1e-20, np.float64))), g.const(TEN_OVER_LN10, np.float64),
         out="bands")
    return g.session([("windows", F32, ["H", "C", PITCH_WINDOW])],
                     [("level", F64, ["H", "C"]), ("power", F64, ["H", "C", BINS]), ("bands", F64, ["H", "C", 3])])


def power_matmul() -> Any:
    """windows (H, C, 800) float32 -> power (H, C, 257) float32: the windowed DFT as one (512, 514) matrix."""
    n, k = np.arange(LEVEL_WINDOW)[:, None], np.arange(BINS)[None, :]
    angle = 2.0 * np.pi * n * k / LEVEL_WINDOW
    matrix = np.concatenate([np.cos(angle), -np.sin(angle)], axis=1) * _WINDOW_64[:, None]
    g = Graph()
    parts = g.op("MatMul", _last(g, "windows", PITCH_WINDOW - LEVEL_WINDOW, PITCH_WINDOW), g.const(matrix, np.float32))
    squares = g.op("Mul", parts, parts)
    g.op("Add", _last(g, squares, 0, BINS), _last(g, squares, BINS, 2 * BINS), out="power")
    return g.session([("windows", F32, ["H", "C", PITCH_WINDOW])], [("power", F32, ["H", "C", BINS])])


def yin_dft(*, nfft: int, dtype: int = F64) -> Any:
    """rows (R, 800) float32 -> YIN's d'(tau), tau = 0..TAU_MAX (pitch.normalised_difference's maths)."""
    np_type = np.float64 if dtype == F64 else np.float32
    g = Graph()
    x = g.op("Cast", "rows", to=dtype)
    head = _last(g, x, 0, INTEGRATION)
    padded = [g.op("Pad", g.op("Unsqueeze", v, g.const([0])), g.const([0, 0, 0, 0, 0, nfft - size]))
              for v, size in ((x, PITCH_WINDOW), (head, INTEGRATION))]
    both = g.op("Unsqueeze", g.op("Concat", *padded, axis=0), g.const([-1]))
    spectra = g.op("DFT", both, g.const(nfft), onesided=0, axis=2)  # (2, R, nfft, 2)
    a, b = (_last(g, _last_axis0(g, spectra, 0), i, i + 1) for i in (0, 1))
    c, d = (_last(g, _last_axis0(g, spectra, 1), i, i + 1) for i in (0, 1))
    real = g.op("Add", g.op("Mul", a, c), g.op("Mul", b, d))  # x conj(head)
    imag = g.op("Sub", g.op("Mul", b, c), g.op("Mul", a, d))
    inverse = g.op("DFT", g.op("Concat", real, imag, axis=-1), g.const(nfft), inverse=1, onesided=0, axis=1)
    correlation = _last(g, g.op("Squeeze", _last(g, inverse, 0, 1), g.const([2])), 0, TAU_MAX + 1)
    zero = g.op("Mul", _last(g, x, 0, 1), g.const(0.0, np_type))
    energy = g.op("Concat", zero, g.op("CumSum", g.op("Mul", x, x), g.const(-1)), axis=-1)
    twice = g.op("Mul", correlation, g.const(2.0, np_type))
    difference = g.op("Add", g.op("Sub", _last(g, energy, INTEGRATION, INTEGRATION + TAU_MAX + 1),
                                  _last(g, energy, 0, TAU_MAX + 1)),
                      g.op("Sub", _last(g, energy, INTEGRATION, INTEGRATION + 1), twice))
    tail = _last(g, g.op("Max", difference, g.const(0.0, np_type)), 1, TAU_MAX + 1)
    running = g.op("Max", g.op("CumSum", tail, g.const(-1)), g.const(1e-12, np_type))
    dprime = g.op("Div", g.op("Mul", tail, g.const(np.arange(1, TAU_MAX + 1), np_type)), running)
    g.op("Concat", g.op("Add", zero, g.const(1.0, np_type)), dprime, axis=-1, out="dprime")
    return g.session([("rows", F32, ["R", PITCH_WINDOW])], [("dprime", dtype, ["R", TAU_MAX + 1])])


def _last_axis0(g: Graph, x: str, index: int) -> str:
    return g.op("Squeeze", g.op("Slice", x, g.const([index]), g.const([index + 1]), g.const([0])), g.const([0]))


def yin_conv(*, rows: int = 2) -> Any:
    """rows (R, 800) float32 -> YIN's correlation (R, TAU_MAX + 1) float32: a grouped Conv, each row's head its
    kernel (direct sums: 143k multiply-adds a row, no FFT)."""
    g = Graph()
    kernels = g.op("Unsqueeze", _last(g, "rows", 0, INTEGRATION), g.const([1]))
    convolved = g.op("Conv", g.op("Unsqueeze", "rows", g.const([0])), kernels, group=rows, kernel_shape=[INTEGRATION])
    g.op("Squeeze", convolved, g.const([0]), out="correlation")
    return g.session([("rows", F32, [rows, PITCH_WINDOW])], [("correlation", F32, [rows, TAU_MAX + 1])])


def _shipped(g: Graph) -> None:
    """The shipped activity model's own initializers and nodes, reading `features` and `state`."""
    model = onnx.load(str(model_dir() / "activity.onnx"))
    g.inits += list(model.graph.initializer)
    g.nodes += list(model.graph.node)


def _mel_features(g: Graph) -> tuple[str, str]:
    """From `power`: the 20 band features (relative to their mean, / 10) and the band level in dB (keepdims)."""
    band_power = g.op("Max", g.op("MatMul", "power", g.const(ai._MEL_64, np.float64)),
                      g.const(ai._FLOOR_POWER, np.float64))
    band_ln = g.op("Log", band_power)  # band dB / 10 is ln / ln 10
    centred = g.op("Sub", band_ln, g.op("ReduceMean", band_ln, axes=[-1], keepdims=1))
    bands = g.op("Mul", centred, g.const(1.0 / np.log(10.0), np.float64))
    level = _db(g, g.op("ReduceSum", band_power, g.const([-1]), keepdims=1))
    return bands, level


def _features_out(g: Graph, bands: str, level: str, slow: str, periodicity: str) -> None:
    relative = g.op("Mul", g.op("Sub", level, slow), g.const(0.1, np.float64))
    absolute = g.op("Add", g.op("Mul", level, g.const(1 / 25.0, np.float64)), g.const(2.0, np.float64))
    clipped = g.op("Clip", periodicity, g.const(0.0, np.float64), g.const(1.0, np.float64))
    g.op("Cast", g.op("Concat", bands, relative, absolute, clipped, axis=-1), to=F32, out="features")


_STATE = ("state", F32, [1, "C", 32])
_OUTS = [("probs", F32, ["H", "C", 2]), ("state_out", F32, [1, "C", 32])]


def with_input_live() -> Any:
    """power (1, C, 257), periodicity (1, C, 1), slow (1, C, 1) float64, state -> probs, state_out, slow_out."""
    g = Graph()
    bands, level = _mel_features(g)
    slow = g.op("Add", g.op("Mul", level, g.const(ai._TAKE, np.float64)),
                g.op("Mul", "slow", g.const(ai._SLOW, np.float64)), out="slow_out")
    _features_out(g, bands, level, slow, "periodicity")
    _shipped(g)
    return g.session([("power", F64, [1, "C", BINS]), ("periodicity", F64, [1, "C", 1]), ("slow", F64, [1, "C", 1]),
                      _STATE], [*_OUTS, ("slow_out", F64, [1, "C", 1])])


def with_input() -> Any:
    """Any number of hops: power (H, C, 257), periodicity (H, C, 1), slow (1, C, 1) -> probs, state_out, slow_out.
    The slow mean over the block: slow[t] = sum_k<=t take keep^(t-k) level[k] + keep^(t+1) slow, by MatMul."""
    g = Graph()
    bands, level = _mel_features(g)
    hops = g.op("Gather", g.op("Shape", "power"), g.const(0), axis=0)
    t = g.op("Range", g.const(0), hops, g.const(1))
    lag = g.op("Cast", g.op("Sub", g.op("Unsqueeze", t, g.const([-1])), t), to=F64)  # (H, H): t - k
    ln_keep = g.const(np.log(ai._SLOW), np.float64)
    weights = g.op("Where", g.op("GreaterOrEqual", lag, g.const(0.0, np.float64)),
                   g.op("Mul", g.op("Exp", g.op("Mul", lag, ln_keep)), g.const(ai._TAKE, np.float64)),
                   g.const(0.0, np.float64))
    flat = g.op("Squeeze", level, g.const([-1]))  # (H, C)
    decay = g.op("Exp", g.op("Mul", g.op("Add", g.op("Cast", t, to=F64), g.const(1.0, np.float64)), ln_keep))
    start = g.op("Mul", g.op("Unsqueeze", decay, g.const([-1])), g.op("Squeeze", "slow", g.const([0, 2])))
    slow = g.op("Unsqueeze", g.op("Add", g.op("MatMul", weights, flat), start), g.const([-1]))  # (H, C, 1)
    g.op("Slice", slow, g.const([-1]), g.const([2**62]), g.const([0]), out="slow_out")
    _features_out(g, bands, level, slow, "periodicity")
    _shipped(g)
    return g.session([("power", F64, ["H", "C", BINS]), ("periodicity", F64, ["H", "C", 1]),
                      ("slow", F64, [1, "C", 1]), _STATE], [*_OUTS, ("slow_out", F64, [1, "C", 1])])


def hot_us(fn: Callable[[], object], *, runs: int = 3000) -> float:
    """Median wall time of `fn` repeated at once (its code and data stay in the caches), us."""
    for _ in range(200):
        fn()
    spent = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        fn()
        spent.append(time.perf_counter_ns() - t0)
    return float(np.percentile(spent, 50)) / 1000.0


def _inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hop_cost input's windows (H, 2, 800), their power spectra and periodicities."""
    from calmcue.bench.inputs import data_root, load_inputs
    from calmcue.features.reframer import Reframer

    stereo = load_inputs(data_root(), seconds=10.0).stereo.astype(np.float32)
    windows = Reframer(channels=2).push(stereo)
    return windows, power_spectrum(windows), np.maximum(1.0 - yin(windows).aperiodicity, 0.0)


def _first_slow(power: np.ndarray) -> np.ndarray:
    """ActivityInput's slow mean after a block's first hop: that hop's band level, (1, C, 1)."""
    band_power = np.maximum(power[:1] @ ai._MEL_64, ai._FLOOR_POWER)
    return (10.0 * np.log10(np.add.reduce(band_power, axis=-1)))[..., None]


def check() -> None:
    """Each graph against the numpy code it would replace, on 10 s of the two-channel input."""
    windows, power, periodicity = _inputs()
    level, graph_power, bands = front().run(None, {"windows": windows})
    shape = spectral_shape(power)
    power_error = np.abs(graph_power - power).max() / power.max()
    print(f"front: level {np.abs(level - level_dbfs(windows)).max():.1e} dB, power {power_error:.1e} of the peak, "
          f"bands {max(np.abs(bands[..., i] - v).max() for i, v in enumerate(shape)):.1e} dB (max |diff|)")
    audible = slice(_LOW.start, _HIGH.stop)
    mm = power_matmul().run(None, {"windows": windows})[0]
    relative = np.abs(mm[..., audible] - power[..., audible]) / np.maximum(power[..., audible], 1e-30)
    print(f"power_matmul (float32): relative error 300-3400 Hz p50 {np.median(relative):.1e}, p99 "
          f"{np.percentile(relative, 99):.1e}, max {relative.max():.1e}")
    rows = windows.reshape(-1, PITCH_WINDOW)[200:600]
    reference = normalised_difference(rows)
    for label, session in (("yin_dft 1024 float64", yin_dft(nfft=1024)), ("yin_dft 800 float64", yin_dft(nfft=800)),
                           ("yin_dft 1024 float32", yin_dft(nfft=1024, dtype=F32))):
        print(f"{label}: d' max |diff| {np.abs(session.run(None, {'rows': rows})[0] - reference).max():.1e}")
    model = shared_model()
    assert model is not None
    live, block = with_input_live(), with_input()
    inputs = ai.ActivityInput(channels=2)
    state = np.zeros((1, 2, 32), np.float32)
    probs, _ = model.session.run(None, {"features": inputs.process(power, periodicity), "state": state})
    fused = block.run(None, {"power": power, "periodicity": periodicity[..., None], "slow": _first_slow(power),
                             "state": state})[0]
    print(f"with_input, one run of {power.shape[0]} hops: probabilities differ in {np.mean(probs != fused):.1%} "
          f"(max |diff| {np.abs(probs - fused).max():.1e})")
    slow, fused_state, differ = _first_slow(power), state, 0
    for hop in range(power.shape[0]):
        one, fused_state, slow = live.run(None, {"power": power[hop : hop + 1], "state": fused_state, "slow": slow,
                                                 "periodicity": periodicity[hop : hop + 1, :, None]})
        differ += int(np.count_nonzero(one != probs[hop : hop + 1]))
    print(f"with_input_live, hop by hop: {differ} of {probs.size} probabilities differ from numpy's")


def parts() -> None:
    """Each part hot on one live hop (two channels), numpy against its graph, then a 100-hop block."""
    windows, power, periodicity = _inputs()
    model = shared_model()
    assert model is not None
    w1, p1, q1 = windows[300:301], power[300:301], periodicity[300:301]
    rows = w1.reshape(2, PITCH_WINDOW)
    inputs, state, slow = ai.ActivityInput(channels=2), np.zeros((1, 2, 32), np.float32), _first_slow(power)
    sessions = {"front": front(), "power_matmul": power_matmul(), "yin_dft": yin_dft(nfft=1024),
                "yin_dft32": yin_dft(nfft=1024, dtype=F32), "yin_conv": yin_conv(), "live": with_input_live(),
                "block": with_input()}
    pairs: list[tuple[str, Callable[[], object]]] = [
        ("numpy level + power + bands", lambda: spectral_shape(power_spectrum(w1)) and level_dbfs(w1)),
        ("graph front (DFT op, float64)", lambda: sessions["front"].run(None, {"windows": w1})),
        ("numpy power spectrum alone", lambda: power_spectrum(w1)),
        ("graph power as MatMul (float32)", lambda: sessions["power_matmul"].run(None, {"windows": w1})),
        ("numpy YIN d' (normalised_difference)", lambda: normalised_difference(rows)),
        ("graph YIN d' (DFT 1024, float64)", lambda: sessions["yin_dft"].run(None, {"rows": rows})),
        ("graph YIN d' (DFT 1024, float32)", lambda: sessions["yin_dft32"].run(None, {"rows": rows})),
        ("graph YIN correlation alone (grouped Conv)", lambda: sessions["yin_conv"].run(None, {"rows": rows})),
        ("numpy model input + model run", lambda: model.session.run(
            None, {"features": inputs.process(p1, q1), "state": state})),
        ("graph model with its input (live)", lambda: sessions["live"].run(
            None, {"power": p1, "periodicity": q1[..., None], "slow": slow, "state": state})),
    ]
    for label, fn in pairs:
        print(f"one hop, hot: {label}: {hot_us(fn):.1f} us")
    wb, pb, qb = windows[:100], power[:100], periodicity[:100, :, None]
    blocks: list[tuple[str, Callable[[], object]]] = [
        ("numpy level + power + bands", lambda: spectral_shape(power_spectrum(wb)) and level_dbfs(wb)),
        ("graph front", lambda: sessions["front"].run(None, {"windows": wb})),
        ("numpy model input + model run", lambda: model.session.run(
            None, {"features": inputs.process(pb, qb[..., 0]), "state": state})),
        ("graph model with its input", lambda: sessions["block"].run(
            None, {"power": pb, "periodicity": qb, "slow": slow, "state": state})),
    ]
    for label, fn in blocks:
        print(f"100 hops, hot: {label}: {hot_us(fn, runs=300):.0f} us")


def overhead() -> None:
    """onnxruntime's fixed cost per run and per node on a live hop's tiny arrays, against numpy's per call."""
    x = np.random.default_rng(15).random((1, 2, 20))
    for op_type in ("Mul", "Log"):
        for count in (1, 11, 41):
            g = Graph()
            factor, value = g.const(1.0000001, np.float64), "x"
            for i in range(count):
                args = (value, factor) if op_type == "Mul" else (value,)
                value = g.op(op_type, *args, out="y" if i == count - 1 else None)
            session = g.session([("x", F64, [1, 2, 20])], [("y", F64, [1, 2, 20])])
            print(f"onnxruntime run of {count} {op_type} nodes on (1, 2, 20) float64: "
                  f"{hot_us(lambda s=session: s.run(None, {'x': x})):.1f} us")
    y = x.copy()
    multiplies = hot_us(lambda: [np.multiply(y, 1.0000001, out=y) for _ in range(10)])
    print(f"numpy, 10 np.multiply(out=) on (1, 2, 20): {multiplies:.1f} us")
    print(f"numpy, 10 np.log10 on (1, 2, 20): {hot_us(lambda: [np.log10(x) for _ in range(10)]):.1f} us")


def inplace(variant: str, modes: list[str]) -> None:
    """benchmarks/hop_cost.py MODES with the model's input computed in numpy (plain, as shipped) or inside the
    model's graph (fused: the live graph for one sounding hop, the block graph otherwise); prints
    ActivityModel.process's own thread CPU time per call too."""
    import runpy
    from pathlib import Path

    if variant == "fused":
        ActivityModel.process = _fused_process  # type: ignore[method-assign]
    spent: list[int] = []
    inner = ActivityModel.process

    def timed(self: ActivityModel, *args: Any, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
        t0 = time.thread_time_ns()
        try:
            return inner(self, *args, **kwargs)
        finally:
            spent.append(time.thread_time_ns() - t0)

    ActivityModel.process = timed  # type: ignore[method-assign]
    sys.argv = ["hop_cost.py", *modes]
    runpy.run_path(str(Path(__file__).with_name("hop_cost.py")), run_name="__main__")
    print(f"{variant}: ActivityModel.process, thread CPU p50 {np.percentile(spent, 50) / 1000:.1f} us, mean "
          f"{np.mean(spent) / 1000:.1f} us per call ({len(spent)} calls)")


_SESSIONS: dict[str, Any] = {}
_PLAIN = ActivityModel.process


def _fused_process(self: ActivityModel, power: np.ndarray, periodicity: np.ndarray, level: np.ndarray,
                   silent: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """ActivityModel.process with its input made in the graph (where the block has sound and a slow mean)."""
    if silent is not None or self.inputs._slow_db is None:
        return _PLAIN(self, power, periodicity, level, silent)
    if not _SESSIONS:
        _SESSIONS.update(live=with_input_live(), block=with_input())
    session = _SESSIONS["live" if power.shape[0] == 1 else "block"]
    probs, self._state, slow = session.run(None, {"power": power, "periodicity": periodicity[..., None],
                                                  "slow": self.inputs._slow_db[None, :, None], "state": self._state})
    self.inputs._slow_db = slow[0, :, 0]
    audible = level > ABSOLUTE_FLOOR_DBFS
    if np.count_nonzero(audible) == audible.size:
        return probs[..., 0], probs[..., 1]
    return np.where(audible, probs[..., 0], 0.0), np.where(audible, probs[..., 1], 0.0)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "parts"
    if command == "inplace":
        inplace(sys.argv[2], sys.argv[3:])
    else:
        {"check": check, "parts": parts, "overhead": overhead}[command]()
