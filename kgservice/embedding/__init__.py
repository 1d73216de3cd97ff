"""Sentence embeddings on CPU: the only package importing onnxruntime and tokenizers.

``Embedder`` turns texts into L2-normalised vectors with all-MiniLM-L6-v2 (bundled) or a
model directory given in the settings; the modules beside it find and build the model files
(``model_files``, ``onnx_minilm``, ``int8``), tokenize (``tokenizer``) and batch (``batches``).
"""

from kgservice.embedding.embedder import Embedder
from kgservice.embedding.model_files import DEFAULT_MODEL_NAME, Precision
from kgservice.errors import EmbedderError

__all__ = ["DEFAULT_MODEL_NAME", "Embedder", "EmbedderError", "Precision"]
