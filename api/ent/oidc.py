"""OpenID Connect for ENTs that offer it: authorization code with PKCE (S256), state and
nonce, the ID token checked (signature against the provider's JWKS, iss, aud, exp, nonce),
then the userinfo claims.

Authlib provides the protocol pieces (random tokens, the S256 code challenge); the ID token is
checked with joserfc, the JOSE library authlib's own `authlib.jose` now points to (it warns it
is deprecated). The two HTTP calls are made here with httpx: authlib 1.9's httpx integration
is deprecated in favour of another HTTP package, and these are two plain requests.

Claims mapped to `EntIdentity`:

| claim | becomes |
|---|---|
| `sub` | the ENT key |
| `given_name`, `family_name` | first and last name |
| `birthdate` | birth date (AAAA-MM-JJ, or JJ/MM/AAAA) |
| the connector's profile claim (`profile` by default) | the kind (see below) |
| the connector's UAI claim (`uai` by default) | the schools (a string or a list) |
| `classes` | the classes (`UAI$CLASSE`), when given |

The profile claim holds SDET profiles (`National_ELV`…), Open ENT NG types (`Student`…) or
plainly `student`, `guardian`, `staff`; a string or a list.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from api.ent.attributes import ENTNG_KINDS, SDET_KINDS, kind_of, parse_birth_date
from api.ent.cas import EntUnavailable
from api.ent.connectors import Connector
from loans.ent_identity import KINDS, OIDC, EntIdentity

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
_KIND_NAMES = {**SDET_KINDS, **ENTNG_KINDS, **{kind: kind for kind in KINDS}}
LEEWAY = 60  # seconds of clock difference tolerated on exp / iat


class OidcRefused(Exception):
    """The answer is not one we accept: wrong state, bad ID token, provider's error."""


@dataclass(frozen=True, slots=True)
class Pending:
    """What the session keeps between the redirect and the callback."""

    region_code: str
    state: str
    nonce: str
    verifier: str

    def as_session(self) -> dict:
        return {
            "region_code": self.region_code,
            "state": self.state,
            "nonce": self.nonce,
            "verifier": self.verifier,
        }


def start(connector: Connector, redirect_uri: str) -> tuple[str, Pending]:
    pending = Pending(
        region_code=connector.region_code,
        state=generate_token(32),
        nonce=generate_token(32),
        verifier=generate_token(64),
    )
    query = {
        "response_type": "code",
        "client_id": connector.oidc_client_id,
        "redirect_uri": redirect_uri,
        "scope": connector.oidc_scope or "openid",
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": create_s256_code_challenge(pending.verifier),
        "code_challenge_method": "S256",
    }
    separator = "&" if "?" in connector.oidc_authorization_endpoint else "?"
    return connector.oidc_authorization_endpoint + separator + urlencode(query), pending


def check_state(pending: Mapping | None, region_code: str, state: str) -> Pending:
    if not pending or pending.get("region_code") != region_code:
        raise OidcRefused("no pending sign-in")
    if not state or not hmac.compare_digest(str(pending.get("state", "")), state):
        raise OidcRefused("state")
    return Pending(
        region_code=region_code,
        state=pending["state"],
        nonce=pending["nonce"],
        verifier=pending["verifier"],
    )


async def _json(response: httpx.Response) -> dict:
    if response.status_code >= 500:
        raise EntUnavailable(f"HTTP {response.status_code}")
    try:
        document = response.json()
    except ValueError:
        raise EntUnavailable("not JSON") from None
    if response.status_code != 200 or not isinstance(document, dict):
        raise OidcRefused(f"HTTP {response.status_code}")
    return document


async def finish(
    client: httpx.AsyncClient, connector: Connector, pending: Pending, code: str, redirect_uri: str
) -> EntIdentity:
    """Redeem the code, check the ID token, read userinfo: the person, or OidcRefused."""
    try:
        tokens = await _json(
            await client.post(
                connector.oidc_token_endpoint,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": pending.verifier,
                },
                auth=(connector.oidc_client_id, connector.oidc_client_secret),
            )
        )
        if not isinstance(tokens.get("id_token"), str):
            raise OidcRefused("no id_token")
        keys = await _json(await client.get(connector.oidc_jwks_uri))
        claims = _checked_claims(tokens["id_token"], keys, connector, pending.nonce)
        access = tokens.get("access_token")
        if connector.oidc_userinfo_endpoint and isinstance(access, str):
            info = await _json(
                await client.get(
                    connector.oidc_userinfo_endpoint,
                    headers={"Authorization": f"Bearer {access}"},
                )
            )
            if info.get("sub") != claims["sub"]:  # OIDC Core 5.3.2: must match the ID token
                raise OidcRefused("userinfo sub")
            claims = {**claims, **info}
    except httpx.HTTPError as error:
        raise EntUnavailable(type(error).__name__) from None
    return identity_from_claims(connector, claims)


def _checked_claims(id_token: str, jwks: dict, connector: Connector, nonce: str) -> dict:
    try:
        token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=LEEWAY,
            iss={"essential": True, "value": connector.server_url},
            aud={"essential": True, "value": connector.oidc_client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise OidcRefused(f"id_token: {type(error).__name__}") from None
    return dict(token.claims)


def _strings(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in items if str(item).strip()]


def identity_from_claims(connector: Connector, claims: Mapping) -> EntIdentity:
    profiles = tuple(_strings(claims.get(connector.oidc_profile_claim or "profile")))
    return EntIdentity(
        region_code=connector.region_code,
        key=str(claims["sub"]).strip(),
        kind=kind_of(profiles, _KIND_NAMES),
        method=OIDC,
        last_name=str(claims.get("family_name") or "").strip(),
        first_name=str(claims.get("given_name") or "").strip(),
        birth_date=parse_birth_date(str(claims.get("birthdate") or "")),
        uais=tuple(u.upper() for u in _strings(claims.get(connector.oidc_uai_claim or "uai"))),
        classes=tuple(_strings(claims.get("classes"))),
        profiles=profiles,
    )
