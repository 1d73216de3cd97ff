"""The word-piece tokenizer of an embedding model, with sentence-transformers' truncation."""

from __future__ import annotations

import json
from pathlib import Path

from tokenizers import Tokenizer

from kgservice.errors import EmbedderError

DEFAULT_MAX_SEQ_LENGTH = 256
CUSTOM_MAX_SEQ_LENGTH = 512


def load_tokenizer(path: Path, max_len: int) -> Tokenizer:
    """Load ``tokenizer.json`` and truncate to ``max_len`` word pieces.

    ``max_len == 0`` takes the limit, like sentence-transformers, from a
    ``sentence_bert_config.json`` beside the tokenizer, else from the tokenizer's own
    truncation setting, else 512.
    """
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises a bare Exception subclass
        raise EmbedderError(f"cannot load tokenizer {path}: {exc}") from exc
    if max_len == 0:
        truncation = tokenizer.truncation
        try:
            st_config = json.loads(path.with_name("sentence_bert_config.json").read_text("utf-8"))
            max_len = int(st_config["max_seq_length"])
        except (OSError, ValueError, KeyError, TypeError):
            max_len = int(truncation["max_length"]) if truncation else CUSTOM_MAX_SEQ_LENGTH
    tokenizer.enable_truncation(max_length=max_len)
    return tokenizer
