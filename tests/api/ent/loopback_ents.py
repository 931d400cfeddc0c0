"""ENTs the tests run on loopback: an Open ENT NG CAS (its CAS 2 answer, `userAttributes`
as JSON, no /p3) and a small OpenID Connect provider signing its ID tokens (joserfc)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from litestar import Litestar, Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect

from tests.api.ent.conftest import REGION

SERVICE = f"http://testserver/ent/{REGION}/cas"
REDIRECT_URI = f"http://testserver/ent/{REGION}/oidc"
ENTNG_STUDENT = {
    "externalId": "AC-ORLEANS-TOURS$2345678",
    "type": "Student",
    "lastName": "Bernard",
    "firstName": "Hugo",
    "birthDate": "2008-11-02",
    "schools": [
        {"externalId": "0450001G", "name": "Lycée A", "classes": [{"name": "1G2"}]},
    ],
}


def entng_cas() -> Litestar:
    """Validates ST-NG-JSON (attributes as JSON text) and ST-NG-XML (as nested elements)."""

    @get("/serviceValidate", sync_to_thread=False)
    def service_validate(service: FromQuery[str], ticket: FromQuery[str]) -> Response:
        if service != SERVICE or ticket not in ("ST-NG-JSON", "ST-NG-XML"):
            body = '<cas:authenticationFailure code="INVALID_TICKET">no</cas:authenticationFailure>'
        elif ticket == "ST-NG-JSON":
            body = (
                "<cas:authenticationSuccess><cas:user>hugo.bernard</cas:user>"
                f"<cas:userAttributes>{json.dumps(ENTNG_STUDENT)}</cas:userAttributes>"
                "</cas:authenticationSuccess>"
            )
        else:
            body = (
                "<cas:authenticationSuccess><cas:user>hugo.bernard</cas:user><cas:userAttributes>"
                "<cas:externalId>AC-ORLEANS-TOURS$2345678</cas:externalId>"
                "<cas:type>Student</cas:type><cas:lastName>Bernard</cas:lastName>"
                "<cas:schools><cas:externalId>0450001G</cas:externalId>"
                "<cas:classes>1G2</cas:classes><cas:classes>1G2-SPE</cas:classes></cas:schools>"
                "</cas:userAttributes></cas:authenticationSuccess>"
            )
        document = f'<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">{body}</cas:serviceResponse>'
        return Response(document, media_type="application/xml")

    return Litestar([service_validate])


@dataclass
class Provider:
    """A minimal OpenID Connect provider: code flow with PKCE, RS256 ID tokens."""

    base_url: str = ""
    client_id: str = "ordipret"
    client_secret: str = "secret-du-client-oidc"
    wrong_nonce: bool = False
    claims: dict = field(
        default_factory=lambda: {
            "sub": "oidc-eleve-42",
            "given_name": "Inès",
            "family_name": "Moreau",
            "birthdate": "2009-06-30",
            "profile": ["National_ELV"],
            "uai": "0450001G",
        }
    )
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    codes: dict = field(default_factory=dict)

    def app(self) -> Litestar:
        @get("/authorize", sync_to_thread=False)
        def authorize(request: Request) -> Redirect:
            query = request.query_params
            assert query["client_id"] == self.client_id and query["redirect_uri"] == REDIRECT_URI
            assert query["code_challenge_method"] == "S256"
            code = secrets.token_urlsafe(16)
            self.codes[code] = (query["nonce"], query["code_challenge"])
            target = f"{REDIRECT_URI}?{urlencode({'code': code, 'state': query['state']})}"
            return Redirect(target, status_code=302)

        @post("/token", status_code=200)
        async def token(request: Request) -> Response:
            form = await request.form()
            expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            if request.headers.get("authorization") != f"Basic {expected}":
                return Response({"error": "invalid_client"}, status_code=401)
            nonce, challenge = self.codes.pop(form["code"], (None, None))
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if nonce is None or base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != challenge:
                return Response({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            claims = {
                "iss": self.base_url,
                "aud": self.client_id,
                "sub": self.claims["sub"],
                "iat": now,
                "exp": now + 300,
                "nonce": "autre-nonce" if self.wrong_nonce else nonce,
            }
            id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
            return Response({"id_token": id_token, "access_token": "at-1", "token_type": "Bearer"})

        @get("/jwks", sync_to_thread=False)
        def jwks() -> dict:
            return {"keys": [self.key.as_dict(private=False)]}

        @get("/userinfo", sync_to_thread=False)
        def userinfo(request: Request) -> dict:
            assert request.headers.get("authorization") == "Bearer at-1"
            return self.claims

        return Litestar([authorize, token, jwks, userinfo])

    def connector(self) -> dict:
        return {
            "protocol": "oidc",
            "server_url": self.base_url,
            "oidc_authorization_endpoint": f"{self.base_url}/authorize",
            "oidc_token_endpoint": f"{self.base_url}/token",
            "oidc_userinfo_endpoint": f"{self.base_url}/userinfo",
            "oidc_jwks_uri": f"{self.base_url}/jwks",
            "oidc_client_id": self.client_id,
            "oidc_client_secret": self.client_secret,
            "oidc_scope": "openid profile",
        }
