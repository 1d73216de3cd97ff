"""The sessions domain: projects, sessions, threads and messages, and the rolling session chain.

Modules: ``writes`` (creating projects, sessions, threads; appending messages), ``chain``
(transitions and resolution of the session chain), ``reads`` (pages and lookups),
``message_pages`` (the in-memory cache of immutable message pages), ``records`` (typed rows).
"""

from kgservice.services.sessions.writes import MAX_BATCH, ROLES, NewMessage, SessionService

__all__ = ["MAX_BATCH", "ROLES", "NewMessage", "SessionService"]
