"""The admin's page of a region's ENT connector: the connector form and the ENT accounts
linked to staff accounts (add by email, remove). Plain forms, no script; an error re-renders
the form as typed with the message next to the field. The OIDC client secret is a password
field left empty: empty keeps the stored secret, which is never written into the page.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect

from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import utcnow
from api.ent import connectors
from api.ent.connectors import PROTOCOLS, SIGN_IN_KINDS, Connector
from api.infra.security import ADMIN_ONLY
from api.pages.rendering import page
from inventory import regions
from inventory.errors import Conflict, Invalid

KIND_LABELS = {"student": "Élèves", "guardian": "Représentants légaux", "staff": "Personnels"}
FLAVOUR_LABELS = {"sdet": "SDET (attributs à plat)", "entng": "Open ENT NG (userAttributes)"}


class ConnectorForm(msgspec.Struct):
    protocol: str = "cas3"
    server_url: str = ""
    attribute_flavour: str = "sdet"
    enabled: str = ""
    student: str = ""
    guardian: str = ""
    staff: str = ""
    oidc_authorization_endpoint: str = ""
    oidc_token_endpoint: str = ""
    oidc_userinfo_endpoint: str = ""
    oidc_jwks_uri: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scope: str = "openid profile"
    oidc_profile_claim: str = "profile"
    oidc_uai_claim: str = "uai"

    def connector(self, code: str) -> Connector:
        return connectors.typed(
            code,
            enabled=bool(self.enabled),
            protocol=self.protocol,
            attribute_flavour=self.attribute_flavour,
            allowed_kinds=tuple(kind for kind in SIGN_IN_KINDS if getattr(self, kind)),
            oidc_client_secret=self.oidc_client_secret,
            texts={name: getattr(self, name) for name in connectors.TYPED_TEXTS},
        )


class LinkForm(msgspec.Struct):
    ent_key: str = ""
    email: str = ""


def ent_url(code: str) -> str:
    return f"/regions/{code}/ent"


async def _page(
    request: Request[Principal, None, None],
    code: str,
    *,
    status: int = 200,
    typed: Connector | None = None,
    errors: dict[str, str] | None = None,
    link_typed: LinkForm | None = None,
    link_errors: dict[str, str] | None = None,
    saved: bool = False,
) -> Response:
    region = await regions.get_region(request.user.scope, code)
    stored = await connectors.get_connector(code)
    return page(
        request,
        "pages/ent_connector.html",
        status=status,
        region=region,
        connector=typed or stored,
        secret_set=bool(stored and stored.oidc_client_secret_set),
        links=await connectors.list_links(code),
        errors=errors or {},
        link=link_typed or LinkForm(),
        link_errors=link_errors or {},
        saved=saved,
        protocols=PROTOCOLS,
        kind_labels=KIND_LABELS,
        flavour_labels=FLAVOUR_LABELS,
        ent_url=ent_url(code),
    )


class EntConnectorPages(Controller):
    path = "/regions/{code:str}/ent"
    include_in_schema = False
    guards = [ADMIN_ONLY]

    @get("/")
    async def show(
        self,
        request: Request[Principal, None, None],
        code: FromPath[str],
        enregistre: Annotated[str | None, QueryParameter(max_length=1)] = None,
    ) -> Response:
        return await _page(request, code, saved=enregistre is not None)

    @post("/")
    async def save(
        self,
        request: Request[Principal, None, None],
        code: FromPath[str],
        data: URLEncodedBody[ConnectorForm],
    ) -> Response:
        typed = data.connector(code)
        try:
            await connectors.save_connector(request.user.actor, utcnow(), code, typed)
        except Invalid as error:
            return await _page(request, code, status=422, typed=typed, errors=error.errors)
        return Redirect(ent_url(code) + "?enregistre=1", status_code=303)

    @post("/rattachements")
    async def link(
        self,
        request: Request[Principal, None, None],
        code: FromPath[str],
        data: URLEncodedBody[LinkForm],
    ) -> Response:
        try:
            await connectors.link_staff_by_email(
                request.user.actor, utcnow(), code, data.ent_key, data.email
            )
        except (Invalid, Conflict) as error:
            return await _page(
                request, code, status=error.status, link_typed=data, link_errors=error.fields
            )
        return Redirect(ent_url(code) + "#rattachements", status_code=303)

    @post("/rattachements/{link_id:int}/suppression")
    async def unlink(
        self, request: Request[Principal, None, None], code: FromPath[str], link_id: PathId
    ) -> Response:
        await connectors.unlink_staff(code, link_id)
        return Redirect(ent_url(code) + "#rattachements", status_code=303)


ROUTES = [EntConnectorPages]
