"""The mappers of an import, in the order they run, one per legacy table family.

The skills and code-graph mappers take their model when those services exist; without one
they count their rows and report them skipped.
"""

from __future__ import annotations

from kgservice.services.imports.code_graphs import CodeGraphModel, CodeGraphsMapper
from kgservice.services.imports.conversations import ConversationsMapper
from kgservice.services.imports.knowledge import KnowledgeMapper
from kgservice.services.imports.mapping import Mapper
from kgservice.services.imports.reflections import ReflectionsMapper
from kgservice.services.imports.skills import SkillsMapper, SkillsModel
from kgservice.services.skills.legacy_import import LegacySkills


def mappers(
    *, skills: SkillsModel | None = None, code_graphs: CodeGraphModel | None = None
) -> list[Mapper]:
    """Every mapper: conversations, reflections, entities and relations, skills, code graphs.

    Entities come before nothing that needs them here: mentions are linked after all
    families are written.
    """
    return [
        ConversationsMapper(),
        ReflectionsMapper(),
        KnowledgeMapper(),
        SkillsMapper(skills or LegacySkills()),
        CodeGraphsMapper(code_graphs),
    ]
