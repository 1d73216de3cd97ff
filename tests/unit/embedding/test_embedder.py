"""Tests of the ONNX sentence embedder (all-MiniLM-L6-v2)."""

from __future__ import annotations

import importlib.util
import itertools
import shutil
import threading
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from kgservice.embedding import Embedder, EmbedderError, onnx_minilm
from kgservice.embedding.batches import _PACKED_BATCH_TOKENS, plan_batches
from kgservice.embedding.model_files import bundled_model_dir, file_sha256

LONG_TEXT = " ".join(
    f"Sentence number {i} talks about graphs, vectors and the retrieval of knowledge."
    for i in range(60)
)  # ~900 word pieces, far beyond the 256 limit

TEXTS = [
    "",
    "   ",
    "\n\t  \r\n",
    "The weather is lovely today.",
    "Grüße aus Zürich: naïve café, façade, Ångström; Ελληνικά, русский, 日本語のテキスト, 中文。",
    "I love pizza 🍕🔥😂 — and 👩‍💻 coding at 3am ✨",
    "def merge(a: dict, b: dict) -> dict:\n    return {k: b.get(k, v) for k, v in a.items()}",
    "SELECT n.id, count(*) FROM nodes n JOIN edges e ON e.src = n.id GROUP BY n.id;",
    LONG_TEXT,
    LONG_TEXT + " The tail after the truncation point changes nothing at all.",
    "x",
]


def _load_reference() -> ModuleType:
    path = Path(__file__).with_name("minilm_reference.py")
    spec = importlib.util.spec_from_file_location("minilm_reference", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embed-cache")


@pytest.fixture(scope="session")
def fp32(cache_dir: Path) -> Embedder:
    embedder = Embedder(cache_dir)
    embedder.load()
    return embedder


@pytest.fixture(scope="session")
def int8(cache_dir: Path) -> Embedder:
    embedder = Embedder(cache_dir, precision="int8")
    embedder.load()
    return embedder


@pytest.fixture(scope="session")
def fp32_vectors(fp32: Embedder) -> np.ndarray:
    return fp32.embed(TEXTS)


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    return np.sum(a * b, axis=-1)


def test_published_similarity_example(fp32: Embedder) -> None:
    vectors = fp32.embed(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    sims = vectors @ vectors.T
    assert sims[0, 1] == pytest.approx(0.6660, abs=5e-4)
    assert sims[0, 2] == pytest.approx(0.1046, abs=5e-4)
    assert sims[1, 2] == pytest.approx(0.1411, abs=5e-4)


def test_vectors_are_unit_length(fp32_vectors: np.ndarray) -> None:
    np.testing.assert_allclose(np.linalg.norm(fp32_vectors, axis=1), 1.0, atol=1e-5)
    assert np.isfinite(fp32_vectors).all()


def test_fp32_matches_numpy_reference(fp32_vectors: np.ndarray) -> None:
    reference = _load_reference().ReferenceMiniLM(bundled_model_dir())
    expected = reference.embed(TEXTS)
    cosines = _cos(fp32_vectors.astype(np.float64), expected)
    assert cosines.min() >= 0.9999, dict(zip(TEXTS, cosines.round(6), strict=True))


def test_truncation_at_256_word_pieces(fp32: Embedder, fp32_vectors: np.ndarray) -> None:
    tokens = fp32._get_runtime().tokenizer.encode(LONG_TEXT)
    assert len(tokens.ids) == 256
    assert tokens.ids[0] == 101  # [CLS]
    assert tokens.ids[-1] == 102  # [SEP]
    np.testing.assert_allclose(fp32_vectors[-3], fp32_vectors[-2], atol=1e-6)


def test_empty_text_still_embeds(fp32: Embedder, fp32_vectors: np.ndarray) -> None:
    assert fp32._get_runtime().tokenizer.encode("").ids == [101, 102]
    np.testing.assert_allclose(fp32_vectors[0], fp32_vectors[1], atol=1e-6)
    np.testing.assert_allclose(fp32.embed_one(""), fp32_vectors[0], atol=1e-6)


def test_int8_close_to_fp32(int8: Embedder, fp32_vectors: np.ndarray) -> None:
    vectors = int8.embed(TEXTS)
    assert vectors.shape == fp32_vectors.shape
    assert vectors.dtype == np.float32
    cosines = _cos(vectors, fp32_vectors)
    assert cosines.min() >= 0.995, dict(zip(TEXTS, cosines.round(5), strict=True))


def test_order_preserved_with_mixed_lengths(fp32: Embedder) -> None:
    texts = [LONG_TEXT[: 40 * (i % 7) + 1] + f" #{i}" for i in range(150)]
    together = fp32.embed(texts)
    singles = np.stack([fp32.embed_one(t) for t in texts[:20]])
    np.testing.assert_allclose(together[:20], singles, atol=2e-5)
    np.testing.assert_allclose(fp32.embed(texts[::-1]), together[::-1], atol=2e-5)


def test_small_batches_agree(cache_dir: Path, fp32: Embedder) -> None:
    small = Embedder(cache_dir, batch_size=3, threads=1)
    np.testing.assert_allclose(small.embed(TEXTS[:7]), fp32.embed(TEXTS[:7]), atol=2e-5)


def test_batch_plan_limits_padding() -> None:
    lengths = np.sort(np.random.default_rng(1).integers(2, 257, 500)).astype(np.int64)
    spans = plan_batches(lengths, 64)
    assert spans[0][0] == 0
    assert spans[-1][1] == len(lengths)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    for start, stop in spans:
        assert 0 < stop - start <= 64
        assert (stop - start) * lengths[stop - 1] <= 8192 or stop - start == 1
        assert lengths[stop - 1] <= 1.2 * lengths[start] + 2


def test_packed_batch_plan() -> None:
    lengths = np.sort(np.random.default_rng(1).integers(2, 257, 500)).astype(np.int64)
    spans = plan_batches(lengths, 64, packed=True)
    assert spans[0][0] == 0
    assert spans[-1][1] == len(lengths)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    for start, stop in spans:
        assert 0 < stop - start <= 64
        assert lengths[start:stop].sum() <= _PACKED_BATCH_TOKENS + lengths[stop - 1]
        assert lengths[stop - 1] <= 2 * lengths[start] + 8
    # 50 chat messages of 13-30 word pieces: three batches of about equal size
    short = np.sort(np.random.default_rng(2).integers(13, 31, 50)).astype(np.int64)
    sizes = [int(short[a:b].sum()) for a, b in plan_batches(short, 64, packed=True)]
    assert len(sizes) == -(-sum(sizes) // _PACKED_BATCH_TOKENS)
    assert max(sizes) - min(sizes) <= 2 * short[-1]
    assert plan_batches(np.array([7], dtype=np.int64), 64, packed=True) == [(0, 1)]


def test_packed_graph_matches_the_padded_graph(tmp_path: Path, fp32: Embedder) -> None:
    """The fp32 graph skips padding in its dense layers; its vectors are those of the padded
    graph (used before, and still the layout of int8) for texts batched with longer ones."""
    assert fp32._get_runtime().packed
    weights, config = onnx_minilm.load_bert(bundled_model_dir() / "model.safetensors")
    onnx_minilm.save_atomic(onnx_minilm.build_model(weights, config), tmp_path / "model.onnx")
    shutil.copy(bundled_model_dir() / "tokenizer.json", tmp_path / "tokenizer.json")
    (tmp_path / "sentence_bert_config.json").write_text('{"max_seq_length": 256}')
    padded = Embedder(tmp_path / "cache", model_dir=tmp_path)
    assert not padded._get_runtime().packed
    rng = np.random.default_rng(3)
    words = LONG_TEXT.split()
    chatter = [" ".join(rng.choice(words, int(rng.integers(1, 40)))) for _ in range(60)]
    texts = [*TEXTS, *chatter]
    cosines = _cos(fp32.embed(texts), padded.embed(texts))
    assert cosines.min() >= 0.9999
    np.testing.assert_allclose(fp32.embed(texts), padded.embed(texts), atol=2e-5)


def test_embed_empty_list(fp32: Embedder) -> None:
    result = fp32.embed([])
    assert result.shape == (0, 384)
    assert result.dtype == np.float32


def test_embed_one_shape(fp32: Embedder) -> None:
    vector = fp32.embed_one("hello world")
    assert vector.shape == (384,)
    assert fp32.dimension == 384
    assert fp32.model_name == "all-MiniLM-L6-v2"


def test_rejects_non_string_input(fp32: Embedder) -> None:
    with pytest.raises(TypeError):
        fp32.embed("not a list")
    with pytest.raises(TypeError):
        fp32.embed(["ok", 3])  # type: ignore[list-item]


def test_concurrent_embedding_is_consistent(cache_dir: Path) -> None:
    embedder = Embedder(cache_dir, threads=2)  # session created lazily by the racing threads
    texts = [*TEXTS[3:8], *(f"Thread-safety check number {i}." for i in range(40))]
    results: list[np.ndarray] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                results.append(embedder.embed(texts))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 12
    for result in results[1:]:
        np.testing.assert_array_equal(result, results[0])


def test_onnx_cached_by_weights_hash(cache_dir: Path, fp32: Embedder, int8: Embedder) -> None:
    digest = file_sha256(bundled_model_dir() / "model.safetensors")[:16]
    fp32_file = cache_dir / "models" / f"minilm-{digest}-fp32-packed.onnx"
    int8_file = cache_dir / "models" / f"minilm-{digest}-int8-7bit.onnx"
    assert fp32_file.is_file()
    assert int8_file.is_file()
    assert int8_file.stat().st_size < fp32_file.stat().st_size * 0.7  # embeddings stay fp32
    mtime = fp32_file.stat().st_mtime_ns
    Embedder(cache_dir).load()
    assert fp32_file.stat().st_mtime_ns == mtime  # not rebuilt
    assert not [p for p in (cache_dir / "models").iterdir() if p.name.endswith(".tmp")]


def test_custom_model_dir(tmp_path: Path, cache_dir: Path, fp32: Embedder) -> None:
    model_dir = tmp_path / "my-minilm"
    model_dir.mkdir()
    built = next((cache_dir / "models").glob("minilm-*-fp32-packed.onnx"))
    (model_dir / "model.onnx").symlink_to(built)
    shutil.copy(bundled_model_dir() / "tokenizer.json", model_dir / "tokenizer.json")
    custom = Embedder(cache_dir, model_dir=model_dir)
    assert custom.model_name == "my-minilm"
    assert custom.dimension == 384
    texts = TEXTS[:8]
    np.testing.assert_allclose(custom.embed(texts), fp32.embed(texts), atol=1e-5)


def test_custom_model_with_token_outputs(tmp_path: Path, cache_dir: Path) -> None:
    """A model returning token states [batch, seq, dim] (int32 ids) is pooled in numpy."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    table = np.random.default_rng(0).standard_normal((30522, 8)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["states"], axis=0)],
        "tiny",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT32, ["b", "s"])],
        [helper.make_tensor_value_info("states", TensorProto.FLOAT, ["b", "s", "d"])],
        initializer=[numpy_helper.from_array(table, "table")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, tmp_path / "model.onnx")
    shutil.copy(bundled_model_dir() / "tokenizer.json", tmp_path / "tokenizer.json")
    embedder = Embedder(cache_dir, model_dir=tmp_path)
    assert embedder.dimension == 8  # symbolic output dim: found with a probe input
    texts = ["hello world", "a much longer text than the first one, to force padding"]
    vectors = embedder.embed(texts)
    tokenizer = embedder._get_runtime().tokenizer
    for text, vector in zip(texts, vectors, strict=True):
        expected = table[tokenizer.encode(text).ids].mean(axis=0)  # unpadded mean
        np.testing.assert_allclose(vector, expected / np.linalg.norm(expected), atol=1e-5)


def test_custom_model_dir_empty(tmp_path: Path, cache_dir: Path) -> None:
    with pytest.raises(EmbedderError, match=str(tmp_path / "model.onnx")):
        Embedder(cache_dir, model_dir=tmp_path)


def test_custom_model_dir_corrupt_model(tmp_path: Path, cache_dir: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"not an onnx model")
    shutil.copy(bundled_model_dir() / "tokenizer.json", tmp_path / "tokenizer.json")
    embedder = Embedder(cache_dir, model_dir=tmp_path)
    with pytest.raises(EmbedderError, match=r"model\.onnx"):
        embedder.embed(["hello"])


def test_damaged_cache_entry_is_rebuilt(tmp_path: Path, fp32_vectors: np.ndarray) -> None:
    digest = file_sha256(bundled_model_dir() / "model.safetensors")[:16]
    damaged = tmp_path / "models" / f"minilm-{digest}-fp32-packed.onnx"
    damaged.parent.mkdir()
    damaged.write_bytes(b"truncated")
    older_layout = tmp_path / "models" / f"minilm-{digest}-fp32.onnx"
    older_layout.write_bytes(b"the padded graph of an older version")
    vectors = Embedder(tmp_path).embed(TEXTS[3:5])
    np.testing.assert_allclose(vectors, fp32_vectors[3:5], atol=1e-5)
    assert damaged.stat().st_size > 1_000_000
    assert not older_layout.exists()  # replaced, not left behind


def test_invalid_options(cache_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(EmbedderError):
        Embedder(cache_dir, precision="fp16")  # type: ignore[arg-type]
    with pytest.raises(EmbedderError):
        Embedder(cache_dir, batch_size=0)
    with pytest.raises(EmbedderError):
        Embedder(cache_dir, threads=0)
    with pytest.raises(EmbedderError, match="bundled model only"):
        Embedder(cache_dir, precision="int8", model_dir=tmp_path)
