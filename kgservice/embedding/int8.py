"""The int8 embedding graph: per-channel dynamic quantisation of the MatMuls.

Each dense layer's few outlier input channels (found by calibration) are split off into a
separate small MatMul first, so that both parts get their own dynamic activation range.
Weights use a 7-bit range (``reduce_range``): on CPUs without VNNI (AVX2 only), onnxruntime's
u8 x s8 kernels saturate with full-range weights, and the vectors drifted to cosine 0.992
from fp32 (0.995 or better with the reduced range).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from tokenizers import Tokenizer

from kgservice.embedding import onnx_minilm
from kgservice.embedding.tokenizer import DEFAULT_MAX_SEQ_LENGTH, load_tokenizer

IntArray = npt.NDArray[np.int64]
OUTLIER_CHANNELS = 4
# Varied texts whose activations pick the outlier channels split off for int8. The outliers
# sit at [CLS]/[SEP] in a few fixed channels, so a handful of texts suffices.
_CALIBRATION_TEXTS = (
    "",
    "a",
    "The weather is lovely today.",
    "It's so sunny outside!",
    "He drove to the stadium.",
    "Return the first element of the list, or None if it is empty.",
    "Knowledge graphs connect entities through typed, directed relations.",
    "for i in range(10):\n    print(i, file=sys.stderr)",
    "Grüße aus Zürich, 東京 and emoji 🙂🚀.",
    "What is the capital of France? Paris is the capital and largest city of France.",
)


def build_int8(weights_path: Path, tokenizer_path: Path, dst: Path) -> None:
    """Write the int8 model: per-channel dynamic quantisation (QInt8 weights) of the MatMuls.

    First each dense layer's few outlier input channels (found by calibration) are split off
    into a separate small MatMul, so that both parts get their own dynamic activation range and
    the outliers no longer crush the resolution of the other channels.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    weights, config = onnx_minilm.load_bert(weights_path)
    tokenizer = load_tokenizer(tokenizer_path, DEFAULT_MAX_SEQ_LENGTH)
    channels = _outlier_channels(weights, config, tokenizer)
    model = onnx_minilm.build_model(weights, config, outlier_channels=channels)
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    os.close(fd)
    root = logging.getLogger()
    root.addFilter(_not_preprocessing_advice)
    try:
        quantize_dynamic(
            model,
            tmp,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            weight_type=QuantType.QInt8,
            reduce_range=True,
        )
        Path(tmp).replace(dst)
    finally:
        root.removeFilter(_not_preprocessing_advice)
        Path(tmp).unlink(missing_ok=True)


def _not_preprocessing_advice(record: logging.LogRecord) -> bool:
    # quantize_dynamic always advises (root logger) to run shape pre-processing first; that
    # does not apply to MatMul-only dynamic quantisation.
    return "pre-processing before quantization" not in record.getMessage()


def _outlier_channels(
    weights: dict[str, npt.NDArray[Any]], config: onnx_minilm.BertConfig, tokenizer: Tokenizer
) -> dict[str, IntArray]:
    """Per dense layer, the input channels with the largest calibration magnitudes."""
    model = onnx_minilm.build_model(weights, config)
    outputs = onnx_minilm.expose_dense_inputs(model)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    peaks: dict[str, npt.NDArray[np.float32]] = {}
    for text in _CALIBRATION_TEXTS:
        ids = np.asarray([tokenizer.encode(text).ids], dtype=np.int64)
        feed = {
            "input_ids": ids,
            "attention_mask": np.ones_like(ids),
            "token_type_ids": np.zeros_like(ids),
        }
        for prefix, value in zip(outputs, session.run(list(outputs.values()), feed), strict=True):
            peak = np.abs(np.asarray(value)).reshape(-1, value.shape[-1]).max(axis=0)
            peaks[prefix] = np.maximum(peaks[prefix], peak) if prefix in peaks else peak
    return {
        prefix: np.sort(np.argsort(peak)[-OUTLIER_CHANNELS:]).astype(np.int64)
        for prefix, peak in peaks.items()
    }
