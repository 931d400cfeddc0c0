"""A region's ENT connector and the ENT accounts linked to staff accounts (admins only).

`GET/PUT /api/v1/regions/{code}/ent-connector`: the connector (the OIDC client secret is
written, never read back: `oidc_client_secret_set` says whether one is stored; an empty or
absent secret in a PUT keeps the stored one). `…/ent-links`: list, create, delete the links
that let an ENT account of staff open a staff account's session.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, JSONBody

from api.accounts.staff import Principal
from api.bodies import DbId, PathId
from api.clock import utcnow
from api.ent import connectors
from api.ent.connectors import Connector, StaffLink
from api.errors import problem_exception
from api.infra.security import ADMIN_ONLY

Url = Annotated[str, msgspec.Meta(max_length=500)]
Name = Annotated[str, msgspec.Meta(max_length=200)]
Kind = Annotated[str, msgspec.Meta(max_length=20)]


class ConnectorIn(msgspec.Struct, forbid_unknown_fields=True):
    protocol: Annotated[str, msgspec.Meta(max_length=10)]
    server_url: Url
    allowed_kinds: Annotated[list[Kind], msgspec.Meta(max_length=4)]
    attribute_flavour: Annotated[str, msgspec.Meta(max_length=10)] = "sdet"
    enabled: bool = True
    oidc_authorization_endpoint: Url = ""
    oidc_token_endpoint: Url = ""
    oidc_userinfo_endpoint: Url = ""
    oidc_jwks_uri: Url = ""
    oidc_client_id: Name = ""
    oidc_client_secret: Url = ""  # write-only
    oidc_scope: Name = "openid profile"
    oidc_profile_claim: Annotated[str, msgspec.Meta(max_length=100)] = "profile"
    oidc_uai_claim: Annotated[str, msgspec.Meta(max_length=100)] = "uai"

    def connector(self, code: str) -> Connector:
        return connectors.typed(
            code,
            enabled=self.enabled,
            protocol=self.protocol,
            attribute_flavour=self.attribute_flavour,
            allowed_kinds=tuple(self.allowed_kinds),
            oidc_client_secret=self.oidc_client_secret,
            texts={name: getattr(self, name) for name in connectors.TYPED_TEXTS},
        )


class ConnectorOut(msgspec.Struct):
    region_code: str
    enabled: bool
    protocol: str
    server_url: str
    attribute_flavour: str
    allowed_kinds: list[str]
    oidc_authorization_endpoint: str
    oidc_token_endpoint: str
    oidc_userinfo_endpoint: str
    oidc_jwks_uri: str
    oidc_client_id: str
    oidc_client_secret_set: bool
    oidc_scope: str
    oidc_profile_claim: str
    oidc_uai_claim: str
    updated_at: dt.datetime | None
    updated_by: str


def connector_out(connector: Connector) -> ConnectorOut:
    fields = {name: getattr(connector, name) for name in ConnectorOut.__struct_fields__}
    fields["allowed_kinds"] = list(connector.allowed_kinds)
    return ConnectorOut(**fields)


class LinkIn(msgspec.Struct, forbid_unknown_fields=True):
    ent_key: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    account_id: DbId


class LinkOut(msgspec.Struct):
    id: int
    ent_key: str
    account_id: int
    account_email: str
    created_at: dt.datetime
    created_by: str


def link_out(link: StaffLink) -> LinkOut:
    return LinkOut(**{name: getattr(link, name) for name in LinkOut.__struct_fields__})


class EntConnectorController(Controller):
    path = "/api/v1/regions/{code:str}"
    tags = ["ENT"]
    guards = [ADMIN_ONLY]

    @get("/ent-connector", summary="Connecteur ENT de la région")
    async def get_connector(self, code: FromPath[str]) -> ConnectorOut:
        connector = await connectors.get_connector(code)
        if connector is None:
            raise problem_exception(404, "Aucun connecteur ENT pour cette région.")
        return connector_out(connector)

    @put("/ent-connector", summary="Configurer le connecteur ENT de la région")
    async def put_connector(
        self,
        request: Request[Principal, None, None],
        code: FromPath[str],
        data: JSONBody[ConnectorIn],
    ) -> ConnectorOut:
        saved = await connectors.save_connector(
            request.user.actor, utcnow(), code, data.connector(code)
        )
        return connector_out(saved)

    @get("/ent-links", summary="Comptes ENT rattachés à des comptes du personnel")
    async def list_links(self, code: FromPath[str]) -> list[LinkOut]:
        return [link_out(link) for link in await connectors.list_links(code)]

    @post("/ent-links", summary="Rattacher un compte ENT à un compte du personnel")
    async def create_link(
        self, request: Request[Principal, None, None], code: FromPath[str], data: JSONBody[LinkIn]
    ) -> LinkOut:
        link = await connectors.link_staff(
            request.user.actor, utcnow(), code, data.ent_key, data.account_id
        )
        return link_out(link)

    @delete("/ent-links/{link_id:int}", summary="Retirer un rattachement")
    async def delete_link(self, code: FromPath[str], link_id: PathId) -> None:
        await connectors.unlink_staff(code, link_id)


ROUTES = [EntConnectorController]
