"""The mappers of an import, in the order they run, one per legacy table family.

The skills mapper takes its model when that service exists; without one it counts its rows
and reports them skipped. Code graphs go to the code-graph service's model.
"""

from __future__ import annotations

from kgservice.services.codegraph.legacy_import import LegacyCodeGraphs
from kgservice.services.imports.code_graphs import CodeGraphModel, CodeGraphsMapper
from kgservice.services.imports.conversations import CONVERSATIONS
from kgservice.services.imports.knowledge import KnowledgeMapper
from kgservice.services.imports.mapping import Mapper
from kgservice.services.imports.reflections import REFLECTIONS
from kgservice.services.imports.skills import SkillsMapper, SkillsModel
from kgservice.services.skills.legacy_import import LegacySkills


def mappers(
    *, skills: SkillsModel | None = None, code_graphs: CodeGraphModel | None = None
) -> list[Mapper]:
    """Every mapper: conversations, reflections, entities and relations, skills, code graphs.

    Entities come before nothing that needs them here: mentions are linked after all
    families are written. ``code_graphs`` defaults to the code-graph service's model.
    """
    return [
        CONVERSATIONS,
        REFLECTIONS,
        KnowledgeMapper(),
        SkillsMapper(skills or LegacySkills()),
        CodeGraphsMapper(code_graphs or LegacyCodeGraphs()),
    ]
