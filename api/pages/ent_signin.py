"""Signing in through the region's ENT (CAS or OIDC), and the CAS server's single logout.

- `/ent`: the regions whose ENT sign-in is open (straight to the only one);
- `/ent/{code}/connexion`: off to the ENT (CAS login, or OIDC authorization with PKCE);
- `/ent/{code}/cas`: the CAS service URL. GET: back from the ENT with a ticket, validated by
  the CAS server for exactly this URL (no query of ours, so the comparison is exact); POST:
  the CAS server's `logoutRequest`, server to server (no CSRF token, no cookie: only a
  well-formed SAML LogoutRequest is acted on, and the answer is an immediate empty 200);
- `/ent/{code}/oidc`: the OIDC redirect URI.

Every failure is a French page with its status: refused ticket or answer 403, ENT down or
slow 503, unknown region 404; never a 500, never a session.
"""

from __future__ import annotations

import logging
from typing import Annotated

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect

from api.ent import cas, oidc, signin
from api.ent.attributes import (
    ENTNG,
    UnreadableAttributes,
    decode_entng,
    entng_identity,
    sdet_identity,
)
from api.ent.connectors import OIDC, Connector, connector_for_sign_in, regions_with_sign_in
from api.ent.signin import Refusal
from api.ent.single_logout import MAX_LOGOUT_REQUEST, ticket_of
from api.infra.metrics import count_sign_in
from api.pages.rendering import page
from api.request_checks import BODY_TYPES, FORM_TYPES
from api.settings import Settings
from loans.ent_identity import CAS, EntIdentity

log = logging.getLogger("ordipret.ent")
PENDING_OIDC = "ent_oidc"
Ticket = Annotated[str | None, QueryParameter(max_length=512)]
Short = Annotated[str | None, QueryParameter(max_length=2048)]
_UNAVAILABLE = Refusal(
    "ENT indisponible",
    "L'ENT de votre région ne répond pas pour le moment. Réessayez dans quelques minutes, "
    "ou connectez-vous avec votre adresse électronique si vous êtes un personnel.",
)
_TICKET_REFUSED = Refusal(
    "Connexion refusée par l'ENT",
    "L'ENT n'a pas confirmé cette connexion (lien déjà utilisé, expiré ou destiné à un autre "
    "service). Recommencez la connexion depuis le début.",
)
_UNREADABLE = Refusal(
    "Identité ENT incomplète",
    "L'ENT n'a pas transmis votre identifiant : la connexion ne peut pas aboutir. "
    "Contactez l'assistance de votre ENT.",
)
_NO_CONNECTOR = Refusal(
    "Connexion par l'ENT indisponible",
    "Aucune connexion par l'ENT n'est configurée pour cette région.",
)


def _counted(method: str):
    """After a return from the ENT: a session opened (the 303 to the person's page) or not
    (every refusal is a page of its own), for the sign-in metrics."""

    async def after_request(response: Response) -> Response:
        count_sign_in(method, response.status_code == 303)
        return response

    return after_request


class LogoutForm(msgspec.Struct):
    logoutRequest: str = ""  # noqa: N815 (the CAS protocol's field name)


def _message(request: Request, refusal: Refusal, status: int) -> Response:
    return page(
        request, "pages/ent_message.html", status=status, title=refusal.title, detail=refusal.detail
    )


def _settings(request: Request) -> Settings:
    return request.app.state["settings"]


def service_url(request: Request, code: str) -> str:
    return f"{_settings(request).public_url}/ent/{code}/cas"


def redirect_uri(request: Request, code: str) -> str:
    return f"{_settings(request).public_url}/ent/{code}/oidc"


async def _connector(request: Request, code: str) -> Connector | Response:
    connector = await connector_for_sign_in(code)
    return connector if connector is not None else _message(request, _NO_CONNECTOR, 404)


async def _opened(
    request: Request, connector: Connector, identity: EntIdentity, ticket: str | None = None
) -> Response:
    outcome = await signin.open_session(request, connector, identity, ticket)
    if isinstance(outcome, Refusal):
        return _message(request, outcome, 403)
    return Redirect(outcome, status_code=303)


@get("/ent", exclude_from_auth=True, include_in_schema=False)
async def choose_region(request: Request) -> Response:
    regions = await regions_with_sign_in()
    if len(regions) == 1:
        return Redirect(f"/ent/{regions[0]['code']}/connexion", status_code=303)
    return page(request, "pages/ent_choice.html", regions=regions)


@get("/ent/{code:str}/connexion", exclude_from_auth=True, include_in_schema=False)
async def go_to_ent(request: Request, code: FromPath[str]) -> Response:
    connector = await _connector(request, code)
    if isinstance(connector, Response):
        return connector
    if connector.protocol == OIDC:
        url, pending = oidc.start(connector, redirect_uri(request, code))
        request.session[PENDING_OIDC] = pending.as_session()
        return Redirect(url, status_code=303)
    return Redirect(
        cas.login_url(connector.server_url, service_url(request, code)), status_code=303
    )


@get(
    "/ent/{code:str}/cas",
    exclude_from_auth=True,
    include_in_schema=False,
    after_request=_counted("ent_cas"),
)
async def cas_return(request: Request, code: FromPath[str], ticket: Ticket = None) -> Response:
    connector = await _connector(request, code)
    if isinstance(connector, Response):
        return connector
    if not ticket or connector.protocol == OIDC:
        return _message(request, _TICKET_REFUSED, 400)
    async with cas.http_client(_settings(request).ent_timeout) as client:
        try:
            answer = await cas.validate(
                client, connector.server_url, connector.protocol, service_url(request, code), ticket
            )
        except cas.TicketRefused as refused:
            log.info("ENT %s refused a ticket: %s", code, refused.code)
            return _message(request, _TICKET_REFUSED, 403)
        except cas.EntUnavailable as error:
            log.warning("ENT %s unavailable: %s", code, error)
            return _message(request, _UNAVAILABLE, 503)
    try:
        if connector.attribute_flavour == ENTNG:
            user = decode_entng((answer.attributes.get("userAttributes") or [""])[0])
            identity = entng_identity(code, CAS, user)
        else:
            identity = sdet_identity(code, CAS, answer.attributes)
    except UnreadableAttributes as missing:
        log.warning("ENT %s released no %s", code, missing)
        return _message(request, _UNREADABLE, 403)
    return await _opened(request, connector, identity, ticket)


@post(
    "/ent/{code:str}/cas",
    exclude_from_auth=True,
    exclude_from_csrf=True,
    include_in_schema=False,
    status_code=200,
    opt={BODY_TYPES: FORM_TYPES},
    request_max_body_size=MAX_LOGOUT_REQUEST * 2,
)
async def cas_single_logout(
    request: Request, code: FromPath[str], data: URLEncodedBody[LogoutForm]
) -> Response:
    ticket = ticket_of(data.logoutRequest)
    if ticket is not None:
        await signin.end_session_of_ticket(request, code, ticket)
    return Response(content=b"", media_type="text/plain", status_code=200)


@get(
    "/ent/{code:str}/oidc",
    exclude_from_auth=True,
    include_in_schema=False,
    after_request=_counted("ent_oidc"),
)
async def oidc_return(
    request: Request,
    code: FromPath[str],
    oidc_state: Annotated[str | None, QueryParameter(name="state", max_length=2048)] = None,
    error: Short = None,
) -> Response:
    connector = await _connector(request, code)
    if isinstance(connector, Response):
        return connector
    pending = request.session.pop(PENDING_OIDC, None)
    authorization_code = request.query_params.get("code")
    try:
        checked = oidc.check_state(pending, code, oidc_state or "")
        if error or not authorization_code or len(authorization_code) > 2048:
            raise oidc.OidcRefused(error or "no code")
        async with cas.http_client(_settings(request).ent_timeout) as client:
            identity = await oidc.finish(
                client, connector, checked, authorization_code, redirect_uri(request, code)
            )
    except oidc.OidcRefused as refused:
        log.info("ENT %s OIDC sign-in refused: %s", code, refused)
        return _message(request, _TICKET_REFUSED, 403)
    except cas.EntUnavailable as down:
        log.warning("ENT %s unavailable: %s", code, down)
        return _message(request, _UNAVAILABLE, 503)
    return await _opened(request, connector, identity)


ROUTES = [choose_region, go_to_ent, cas_return, cas_single_logout, oidc_return]
