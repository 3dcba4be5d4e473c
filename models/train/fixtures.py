"""Writes tests/data/activity_wrong_shape.onnx: a valid ONNX graph whose input does not fit the app (7 features
instead of the model's count), so tests can check the fallback on a wrong-shape model. Needs the `train` extra.

    python models/train/fixtures.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = Path(__file__).resolve().parents[2] / "tests" / "data" / "activity_wrong_shape.onnx"


def main() -> None:
    weights = numpy_helper.from_array(np.zeros((7, 2), np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["features", "w"], ["logits"]), helper.make_node("Sigmoid", ["logits"], ["probs"]),
         helper.make_node("Identity", ["state"], ["state_out"])],
        "wrong_shape",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["hops", "channels", 7]),
         helper.make_tensor_value_info("state", TensorProto.FLOAT, [1, "channels", 32])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["hops", "channels", 2]),
         helper.make_tensor_value_info("state_out", TensorProto.FLOAT, [1, "channels", 32])],
        initializer=[weights])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="calmcue-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    OUT.write_bytes(model.SerializeToString())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
