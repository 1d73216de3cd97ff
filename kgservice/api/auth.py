"""API keys: hashed in the settings, checked in constant time for HTTP and websockets.

Keys are configured as entries ``{name, sha256, scope, namespaces}`` (``kgservice api-key
new`` makes one); only the SHA-256 of a secret is stored. When any key is configured, every
request except ``/healthz`` needs one, sent as ``Authorization: Bearer <key>`` or
``X-API-Key: <key>``; a websocket may send it in a header or in its ``connection_init``
payload (``{"Authorization": "Bearer <key>"}`` or ``{"apiKey": "<key>"}``).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from kgservice.api.access import Access
from kgservice.errors import SettingsError
from kgservice.settings import ApiKeyEntry, Settings

SECRET_PREFIX = "kg_"  # noqa: S105 (a prefix, not a secret)
ACCESS_SCOPE_KEY = "kg.access"
#: What an unauthenticated websocket may do before its connection_init names a key.
NO_ACCESS = Access(key_name=None, can_write=False, namespaces=frozenset())


def hash_secret(secret: str) -> str:
    """The hex SHA-256 of an API key, as stored in the settings."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """A fresh random API key (256 bits)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class KeyRing:
    """The configured API keys; ``authenticate`` maps a presented secret to its rights."""

    def __init__(self, entries: Iterable[ApiKeyEntry]) -> None:
        self._keys = [
            (
                bytes.fromhex(entry.sha256),
                Access(
                    key_name=entry.name,
                    can_write=entry.scope == "write",
                    namespaces=frozenset(entry.namespaces)
                    if entry.namespaces is not None
                    else None,
                ),
            )
            for entry in entries
        ]

    @property
    def required(self) -> bool:
        """Whether requests must present a key (any key is configured)."""
        return bool(self._keys)

    def authenticate(self, secret: str | None) -> Access | None:
        """The rights of ``secret``, or None; every key is compared, in constant time."""
        if not secret:
            return None
        digest = hashlib.sha256(secret.encode()).digest()
        found = None
        for key_digest, access in self._keys:
            if hmac.compare_digest(digest, key_digest):
                found = access
        return found


def secret_from_headers(headers: Mapping[str, str]) -> str | None:
    """The key in ``Authorization: Bearer ...`` or ``X-API-Key``, if any."""
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return headers.get("x-api-key") or None


def secret_from_payload(payload: Mapping[str, Any] | None) -> str | None:
    """The key in a websocket ``connection_init`` payload, if any."""
    if not payload:
        return None
    lowered = {str(k).lower(): v for k, v in payload.items() if isinstance(v, str)}
    if "authorization" in lowered or "x-api-key" in lowered:
        return secret_from_headers(lowered)
    return lowered.get("apikey") or lowered.get("api_key") or None


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings) -> None:
    """Refuse to serve beyond loopback without API keys (there is no default secret)."""
    if not is_loopback(settings.host) and not settings.api_keys:
        raise SettingsError(
            f"refusing to listen on {settings.host} without API keys: add one with "
            "`kgservice api-key new --name NAME --scope write` (or bind to 127.0.0.1)"
        )


class AuthMiddleware:
    """ASGI middleware: put the request's :class:`Access` in its scope, or answer 401."""

    def __init__(
        self,
        app: ASGIApp,
        keys: KeyRing,
        open_paths: tuple[str, ...],
        open_request: Callable[[Scope], bool] | None = None,
    ) -> None:
        self.app = app
        self.keys = keys
        self.open_paths = open_paths
        self.open_request = open_request  # e.g. pages that hold no data

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not self.keys.required:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        secret = secret_from_headers(headers)
        access = self.keys.authenticate(secret)
        if scope["type"] == "websocket":
            if secret is not None and access is None:
                await send({"type": "websocket.close", "code": 4401, "reason": "Unauthorized"})
                return
            scope[ACCESS_SCOPE_KEY] = access or NO_ACCESS  # connection_init may name a key
        elif access is None and not self._is_open(scope):
            await _unauthorized(send, "invalid API key" if secret else "an API key is required")
            return
        else:
            scope[ACCESS_SCOPE_KEY] = access
        await self.app(scope, receive, send)

    def _is_open(self, scope: Scope) -> bool:
        if scope["path"] in self.open_paths:
            return True
        return self.open_request is not None and self.open_request(scope)


async def _unauthorized(send: Send, message: str) -> None:
    body = json.dumps(
        {"data": None, "errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", b'Bearer realm="kgservice"'),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
