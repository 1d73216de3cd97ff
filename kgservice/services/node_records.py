"""Typed records built from graph nodes, one field per node property of the same name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")


def record_from_node(cls: type[R], node: Mapping[str, Any], **computed: Any) -> R:
    """A ``cls`` whose fields are the node's properties of the same names.

    ``computed`` gives the fields that are not a plain copy (a default for null, a decoded
    value); a null ``namespace`` is the empty one.
    """
    values = {f.name: node.get(f.name) for f in fields(cls) if f.name not in computed}
    if "namespace" in values:
        values["namespace"] = values["namespace"] or ""
    return cls(**values, **computed)
