"""The skills taxonomy: skills, their hierarchical categories and their modalities.

Categories and modalities are shared by every namespace (a vocabulary, matched by name
case-insensitively); skills belong to a namespace and are unique there by exact name.
Migration 0004 installs the default taxonomy; it is edited like any other data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kgservice.clock import utc_now
from kgservice.errors import InputError, NotFoundError
from kgservice.ids import new_id
from kgservice.services.skills.invocations import require_skill_name, skill_ids
from kgservice.services.validation import MAX_NAME, require_text
from kgservice.stores.graph import GraphStore, Transaction

MAX_DESCRIPTION = 2_000
MAX_MODALITIES = 20


@dataclass(frozen=True)
class Modality:
    """An input type turned into an output type (code -> diagnostics)."""

    input_type: str
    output_type: str


@dataclass(frozen=True)
class SkillRecord:
    """A stored skill with its category and modalities."""

    id: str
    name: str
    namespace: str
    description: str | None
    category: str | None
    modalities: tuple[Modality, ...]
    created_at: datetime


@dataclass(frozen=True)
class CategoryRecord:
    """A skill category and the name of its parent (None at the top)."""

    id: str
    name: str
    description: str | None
    parent: str | None


def list_skills(graph: GraphStore, namespace: str) -> list[SkillRecord]:
    """Every skill of ``namespace`` in creation order."""
    rows = graph.run("skills/skills_of_namespace", {"namespace": namespace})
    modalities: dict[str, list[Modality]] = {}
    for row in graph.run("skills/skill_modalities", {"namespace": namespace}):
        modalities.setdefault(row["id"], []).append(Modality(row["input_type"], row["output_type"]))
    return [
        SkillRecord(
            id=row["id"],
            name=row["name"],
            namespace=namespace,
            description=row["description"],
            category=row["category"],
            modalities=tuple(sorted(modalities.get(row["id"], []), key=_modality_key)),
            created_at=row["created_at"],
        )
        for row in rows
    ]


def _modality_key(modality: Modality) -> tuple[str, str]:
    return (modality.input_type, modality.output_type)


def find_skill(graph: GraphStore, namespace: str, name: str) -> str:
    """The id of the skill ``name`` of ``namespace``.

    Raises:
        NotFoundError: no such skill.
    """
    rows = graph.run("skills/skill_by_name", {"namespace": namespace, "name": name.strip()})
    if not rows:
        raise NotFoundError(name.strip(), "skill")
    return str(rows[0]["id"])


def list_categories(graph: GraphStore) -> list[CategoryRecord]:
    """Every category, by name."""
    return [
        CategoryRecord(row["id"], row["name"], row["description"], row["parent"])
        for row in graph.run("skills/categories")
    ]


def list_modalities(graph: GraphStore) -> list[Modality]:
    """Every modality."""
    return [Modality(r["input_type"], r["output_type"]) for r in graph.run("skills/modalities")]


def _category_id(categories: Sequence[CategoryRecord], field: str, name: str) -> str:
    wanted = name.strip().casefold()
    for category in categories:
        if category.name.casefold() == wanted:
            return category.id
    known = ", ".join(c.name for c in categories)
    raise InputError(field, f"unknown category {name!r} (known: {known})")


def define_category(
    graph: GraphStore, name: str, parent: str | None = None, description: str | None = None
) -> CategoryRecord:
    """Create or update the category ``name`` (its description and parent).

    Raises:
        InputError: an empty name, an unknown parent, or a parent that would make a cycle.
    """
    name = require_text("name", name.strip(), max_length=MAX_NAME)
    if description is not None:
        require_text("description", description, max_length=MAX_DESCRIPTION, empty=True)
    with graph.transaction() as tx:
        categories = [
            CategoryRecord(r["id"], r["name"], r["description"], r["parent"])
            for r in tx.run("skills/categories")
        ]
        by_key = {c.name.casefold(): c for c in categories}
        current = by_key.get(name.casefold())
        parent_id = None if parent is None else _category_id(categories, "parent", parent)
        if parent is not None:
            _refuse_cycle(by_key, name, parent)
        if current is None:
            category_id = new_id("SkillCategory")
            params = {"id": category_id, "now": utc_now(), "name": name}
            tx.run("skills/category_create", {**params, "description": description})
        else:
            category_id = current.id
            tx.run("skills/category_update", {"id": category_id, "description": description})
        if parent_id is not None:
            tx.run("skills/category_set_parent", {"id": category_id, "parent_id": parent_id})
    return CategoryRecord(category_id, current.name if current else name, description, parent)


def _refuse_cycle(by_key: dict[str, CategoryRecord], name: str, parent: str) -> None:
    seen = name.casefold()
    step: str | None = parent
    while step is not None:
        if step.casefold() == seen:
            raise InputError("parent", f"{parent!r} is {name!r} or below it: a cycle")
        record = by_key.get(step.casefold())
        step = record.parent if record else None


def _modality_ids(tx: Transaction, wanted: Sequence[Modality]) -> list[str]:
    existing = {(r["input_type"], r["output_type"]): r["id"] for r in tx.run("skills/modalities")}
    ids = []
    for modality in wanted:
        pair = (modality.input_type, modality.output_type)
        if pair not in existing:
            existing[pair] = new_id("Modality")
            tx.run(
                "skills/modality_create",
                {
                    "id": existing[pair],
                    "now": utc_now(),
                    "name": f"{pair[0]} -> {pair[1]}",
                    "input_type": pair[0],
                    "output_type": pair[1],
                },
            )
        ids.append(existing[pair])
    return ids


def define_skill(
    graph: GraphStore,
    namespace: str,
    name: str,
    *,
    category: str | None = None,
    modalities: Sequence[Modality] | None = None,
    description: str | None = None,
) -> SkillRecord:
    """Create the skill if new and set what is given (None leaves a part unchanged).

    ``modalities`` replaces the skill's modalities; new input/output pairs are created.

    Raises:
        InputError: an unknown category, an empty type, too many modalities.
    """
    require_text("namespace", namespace, max_length=MAX_NAME)
    name = require_skill_name("name", name)
    if description is not None:
        require_text("description", description, max_length=MAX_DESCRIPTION, empty=True)
    checked: list[Modality] = []
    if modalities is not None:
        if len(modalities) > MAX_MODALITIES:
            raise InputError("modalities", f"at most {MAX_MODALITIES}")
        for index, item in enumerate(modalities):
            checked.append(
                Modality(
                    require_text(
                        f"modalities[{index}].input", item.input_type.strip(), max_length=MAX_NAME
                    ),
                    require_text(
                        f"modalities[{index}].output", item.output_type.strip(), max_length=MAX_NAME
                    ),
                )
            )
        checked = sorted(set(checked), key=_modality_key)
    with graph.transaction() as tx:
        category_id = None
        if category is not None:
            categories = [
                CategoryRecord(r["id"], r["name"], r["description"], r["parent"])
                for r in tx.run("skills/categories")
            ]
            category_id = _category_id(categories, "category", category)
        skill_id = skill_ids(tx, namespace, [name], utc_now())[name]
        if description is not None:
            tx.run("skills/skill_set_description", {"id": skill_id, "description": description})
        if category_id is not None:
            tx.run("skills/skill_clear_category", {"id": skill_id})
            tx.run("skills/skill_set_category", {"id": skill_id, "category_id": category_id})
        if modalities is not None:
            tx.run("skills/skill_clear_modalities", {"id": skill_id})
            for modality_id in _modality_ids(tx, checked):
                tx.run("skills/skill_add_modality", {"id": skill_id, "modality_id": modality_id})
    return next(s for s in list_skills(graph, namespace) if s.id == skill_id)


def category_and_descendants(categories: Sequence[CategoryRecord], name: str) -> set[str]:
    """The names of category ``name`` and every category below it."""
    children: dict[str, list[str]] = {}
    for category in categories:
        if category.parent is not None:
            children.setdefault(category.parent.casefold(), []).append(category.name)
    root = next((c.name for c in categories if c.name.casefold() == name.strip().casefold()), None)
    if root is None:
        return set()
    found, queue = {root}, [root]
    while queue:
        for child in children.get(queue.pop().casefold(), []):
            if child not in found:
                found.add(child)
                queue.append(child)
    return found
