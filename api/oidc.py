"""OIDC bearer tokens: a JWT checked against the provider's JWKS (signature, issuer, audience,
expiry), with the caller's role and clearance read from the claims the settings name."""

from __future__ import annotations

import json
import threading
from typing import Any

import jwt

from kg.access import Principal, Unauthenticated, check_clearance, check_role
from kg.settings import OidcSettings

# Algorithms that never verify a provider's signature: refused whatever the settings say.
_UNSAFE = {"none", "HS256", "HS384", "HS512"}


class OidcVerifier:
    """Verifies tokens of one issuer; its JWKS is read once (and again for an unknown kid)."""

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        self._algorithms = [a for a in settings.algorithms if a not in _UNSAFE]
        self._keys: dict[str | None, Any] | None = None
        self._lock = threading.Lock()
        self._client = (
            jwt.PyJWKClient(settings.jwks_url, cache_keys=True, timeout=5)
            if settings.jwks_url and settings.jwks_file is None
            else None
        )

    @property
    def enabled(self) -> bool:
        """Whether OIDC is configured (an issuer and a JWKS)."""
        return bool(self.settings.issuer and (self.settings.jwks_file or self.settings.jwks_url))

    @staticmethod
    def looks_like_jwt(token: str) -> bool:
        """Whether a bearer credential has a JWT's three dot-separated parts."""
        return token.count(".") == 2

    def _key(self, token: str) -> Any:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as e:
            raise Unauthenticated("the bearer token is not a valid JWT") from e
        if header.get("alg") not in self._algorithms:
            raise Unauthenticated("the bearer token's algorithm is not accepted")
        if self._client is not None:
            try:
                return self._client.get_signing_key_from_jwt(token).key
            except jwt.PyJWTError as e:
                raise Unauthenticated("the bearer token's signing key is unknown") from e
        kid = header.get("kid")
        with self._lock:
            if self._keys is None or kid not in self._keys:
                self._keys = self._read_file()
            key = self._keys.get(kid) if kid is not None else None
            if key is None and kid is None and len(self._keys) == 1:
                key = next(iter(self._keys.values()))
        if key is None:
            raise Unauthenticated("the bearer token's signing key is unknown")
        return key

    def _read_file(self) -> dict[str | None, Any]:
        assert self.settings.jwks_file is not None
        try:
            data = json.loads(self.settings.jwks_file.read_text("utf-8"))
            keys = jwt.PyJWKSet.from_dict(data).keys
        except (OSError, ValueError, jwt.PyJWTError) as e:
            raise Unauthenticated("the identity provider's keys could not be read") from e
        return {k.key_id: k.key for k in keys}

    def authenticate(self, token: str) -> Principal:
        """The principal a valid token stands for; Unauthenticated for any fault in it."""
        s = self.settings
        try:
            claims = jwt.decode(
                token,
                self._key(token),
                algorithms=self._algorithms,
                audience=s.audience or None,
                issuer=s.issuer,
                leeway=s.leeway_s,
                options={"require": ["exp", "iss", "sub"] + (["aud"] if s.audience else [])},
            )
        except jwt.ExpiredSignatureError as e:
            raise Unauthenticated("the bearer token has expired") from e
        except jwt.InvalidAudienceError as e:
            raise Unauthenticated("the bearer token is not meant for this service") from e
        except jwt.InvalidIssuerError as e:
            raise Unauthenticated("the bearer token comes from another issuer") from e
        except jwt.PyJWTError as e:
            raise Unauthenticated("the bearer token is invalid") from e
        try:
            role = check_role(str(claims.get(s.role_claim, "")))
            clearance = check_clearance(str(claims.get(s.clearance_claim, "")))
        except ValueError as e:
            raise Unauthenticated(f"the bearer token's claims give no valid access: {e}") from e
        return Principal(str(claims["sub"]), role, clearance, "oidc")
