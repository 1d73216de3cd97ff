"""A GraphQL executor that completes plain objects in one pass.

graphql-core completes every field of every object through the same general machinery
(resolve info, middleware, awaitable checks, error paths): several microseconds a field,
so a page of 100 edges costs more than the store query behind it. Most fields of a page
are *plain*: a strawberry field with the default resolver and no arguments, permission
classes, field extensions or schema directives, which only reads an attribute.
:class:`PlainFieldExecutor` completes an object whose selected fields are all plain (or
``__typename``), with nested plain objects and lists, in a tight loop over a plan made once
per selection and request. Nothing is kept across requests: every request builds its own
response.

The answer is the same as graphql-core's. A selection the plan cannot prove plain (a
resolver, an argument, an abstract type, ``@defer``/``@stream``, an extension that hooks
field resolution) goes the general way. When a value does not complete cleanly (a null
in a non-null field, a value its scalar refuses, an awaitable, a missing attribute), the
object is completed again the general way, which reports the error exactly as before:
plain fields only read attributes, so reading them twice changes nothing. One liberty:
a nested plain object's ``is_type_of`` gets the resolve info of the nearest field that
was resolved the general way (strawberry's own ``is_type_of`` does not read it).

This is the one module that may use graphql-core's and strawberry's private execution
internals (ruff's banned-api rule TID251 keeps them out of every other module);
``tests/unit/api/test_execution.py::test_private_internals_pinned`` fails when an upgrade
changes what it overrides. ``KG_FAST_EXECUTOR=false`` runs strawberry's executor instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import suppress
from enum import Enum
from operator import attrgetter
from typing import Any

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    Undefined,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.resolvers import is_default_resolver
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

#: The releases (major.minor) whose private internals this module and extension_runner.py
#: override; pyproject.toml pins them, test_private_internals_pinned checks both.
TESTED_WITH = {"strawberry-graphql": "0.341", "graphql-core": "3.3"}

#: Directives that change how a field is delivered: such a field goes the general way.
_DELIVERY_DIRECTIVES = frozenset({"defer", "stream"})

#: Value types that are never awaitable, checked before the slower awaitable test.
_SETTLED = frozenset({str, int, float, bool, dict, list, tuple, dt.datetime, dt.date})

# How a value completes: the first item of a completion tuple.
_LEAF = 0  # (_LEAF, non_null, coerce)
_OBJECT = 1  # (_OBJECT, non_null, object_type, plan, exact python type or None)
_LIST = 2  # (_LIST, non_null, item_completion)
_TYPENAME = 3  # (_TYPENAME, the type's name)
# Leaves whose common values coerce to themselves (String and ID: a str; Int: an int in
# range), checked inline; other values of these types take their scalar's coercion.
_STR = 4  # (_STR, non_null, coerce)
_INT = 5  # (_INT, non_null, coerce)

_Completion = tuple[Any, ...]
_Info = GraphQLResolveInfo[Any]
#: Response key, attribute reader and completion of each field of a plain selection.
_Plan = tuple[tuple[str, Callable[[Any], Any] | None, _Completion], ...]


class _NotPlain(Exception):
    """A value did not complete cleanly: complete the object the general way."""


class PlainFieldExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, completing objects of plain fields without the general path.

    Use it as ``strawberry.Schema(..., execution_context_class=PlainFieldExecutor)``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._plain_allowed = manager is None or not manager.middlewares
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, _Plan | None]]
        self._plans = {}

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: _Info,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """Complete ``result`` in one pass when its selection is plain, else as usual."""
        if position_context is None:
            plan = self._plan(return_type, field_details_list)
            if plan is not None:
                # Not plain after all, or an error: the general path reports it exactly.
                with suppress(Exception):
                    return self._object(return_type, plan, result, info)
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    # -- plans --------------------------------------------------------------------------
    def _plan(self, object_type: GraphQLObjectType, details: FieldDetailsList) -> _Plan | None:
        """The plan of ``object_type`` under the selection ``details`` (None: not plain)."""
        key = (object_type, id(details))
        cached = self._plans.get(key)
        if cached is None:
            # ``details`` is kept alive with its plan, so that its id is not reused.
            cached = (details, self._make_plan(object_type, details))
            self._plans[key] = cached
        return cached[1]

    def _make_plan(self, object_type: GraphQLObjectType, details: FieldDetailsList) -> _Plan | None:
        if not self._plain_allowed:
            return None
        grouped, defer_usages, forbidden = self.collect_subfields(object_type, details)
        if defer_usages or forbidden:
            return None
        plan: list[tuple[str, Callable[[Any], Any] | None, _Completion]] = []
        for name, field_details in grouped.items():
            node = field_details[0].node
            if node.name.value == "__typename":
                plan.append((name, None, (_TYPENAME, object_type.name)))
                continue
            definition = self.schema.get_field(object_type, node.name.value)
            read = _attribute_reader(definition) if definition and not node.arguments else None
            completion = self._completion(definition.type, field_details) if definition else None
            delivered = any(
                f.defer_usage is not None
                or any(d.name.value in _DELIVERY_DIRECTIVES for d in f.node.directives or ())
                for f in field_details
            )
            if read is None or completion is None or delivered:
                return None
            plan.append((name, read, completion))
        return tuple(plan)

    def _completion(
        self, output_type: GraphQLOutputType, details: FieldDetailsList
    ) -> _Completion | None:
        """How to complete a value of ``output_type`` (None: not plain, e.g. abstract)."""
        non_null = is_non_null_type(output_type)
        inner = output_type.of_type if non_null else output_type  # type: ignore[union-attr]
        if inner is GraphQLString or inner is GraphQLID:
            return (_STR, non_null, inner.coerce_output_value)
        if inner is GraphQLInt:
            return (_INT, non_null, inner.coerce_output_value)
        if is_leaf_type(inner):
            return (_LEAF, non_null, inner.coerce_output_value)
        if is_object_type(inner):
            plan = self._plan(inner, details)
            return None if plan is None else (_OBJECT, non_null, inner, plan, _exact_type(inner))
        if is_list_type(inner):
            item = self._completion(inner.of_type, details)
            return None if item is None else (_LIST, non_null, item)
        return None

    # -- completion ---------------------------------------------------------------------
    def _object(
        self,
        object_type: GraphQLObjectType,
        plan: _Plan,
        source: Any,
        info: _Info,
        exact: type | None = None,
    ) -> dict[str, Any]:
        is_type_of = object_type.is_type_of
        if (
            is_type_of is not None
            and (type(source) is not exact or hasattr(source, TYPE_CAST_ATTRIBUTE))
            and is_type_of(source, info) is not True
        ):
            raise _NotPlain
        completed: dict[str, Any] = {}
        for name, read, completion in plan:
            if read is None:  # __typename
                completed[name] = completion[1]
                continue
            value = read(source)
            kind = completion[0]
            if value is None:
                if completion[1]:
                    raise _NotPlain
                completed[name] = None
            elif (kind == _STR and type(value) is str) or (
                kind == _INT and type(value) is int and GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT
            ):
                completed[name] = value
            else:
                completed[name] = self._value(completion, value, info)
        return completed

    def _value(self, completion: _Completion, value: Any, info: _Info) -> Any:
        """Complete a value that is not None (leaves of other types, objects, lists)."""
        kind = completion[0]
        if kind == _OBJECT:
            object_type = completion[2]
            # An awaitable fails is_type_of; without one, it is awaited the general way.
            if (
                type(value) is not completion[4]
                and object_type.is_type_of is None
                and self.is_awaitable(value)
            ):
                raise _NotPlain
            return self._object(object_type, completion[3], value, info, completion[4])
        if type(value) not in _SETTLED and not isinstance(value, Enum) and self.is_awaitable(value):
            raise _NotPlain
        if kind != _LIST:  # a leaf
            coerced = completion[2](value)
            if coerced is None or coerced is Undefined:
                raise _NotPlain
            return coerced
        if not isinstance(value, Sequence) or isinstance(value, str | bytes):
            raise _NotPlain
        item = completion[2]
        completed: list[Any] = []
        for element in value:
            if element is None:
                if item[1]:
                    raise _NotPlain
                completed.append(None)
            else:
                completed.append(self._value(item, element, info))
        return completed


def _exact_type(object_type: GraphQLObjectType) -> type | None:
    """The class whose plain instances need no is_type_of or awaitable test (or None).

    Strawberry's own is_type_of (a type with no check of its own) accepts an instance of
    the type's class, or of the generic class it specialises, that carries no
    ``strawberry.cast``; such an instance is not awaitable unless its class says so.
    """
    definition = (object_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is None or getattr(definition, "is_type_of", None) is not None:
        return None
    concrete_of = getattr(definition, "concrete_of", None)
    origin = concrete_of.origin if concrete_of is not None else definition.origin
    if not isinstance(origin, type) or hasattr(origin, "__await__"):
        return None
    return origin


def _attribute_reader(definition: GraphQLField) -> Callable[[Any], Any] | None:
    """A one-argument reader of a plain strawberry field's value; None when not plain.

    Plain: strawberry's default resolver (``is_default_resolver``), no arguments, and none
    of what strawberry runs around a resolver: permission classes, field extensions or
    schema directives.
    """
    resolve = definition.resolve
    if definition.args or resolve is None or not is_default_resolver(resolve):
        return None
    field = (definition.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if field is None or field.permission_classes or field.extensions or field.directives:
        return None
    if field.default_resolver is getattr:
        return attrgetter(field.python_name)
    return lambda source: resolve(source, None)
