"""Login, logout, the caller's own account and API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.params import JSONBody

from api.accounts import staff as accounts
from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import utcnow
from api.errors import problem_exception
from api.infra.login_throttle import LoginThrottle
from api.infra.metrics import count_sign_in
from api.infra.security import OWN_ACCOUNT, SESSION_ACCOUNT_KEY
from api.infra.sessions import rotate_session_id
from loans.ent_identity import PASSWORD, SESSION_METHOD_KEY

MAX_PASSWORD_LENGTH = 1000  # argon2 on megabytes would be a cheap denial of service


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Annotated[str, msgspec.Meta(max_length=MAX_PASSWORD_LENGTH)]


class MeOut(msgspec.Struct):
    id: int
    email: str
    display_name: str
    role: str
    region_ids: list[int]
    establishment_ids: list[int]


class TokenIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=100)]


class TokenCreatedOut(msgspec.Struct):
    id: int
    name: str
    token: str  # shown once


class TokenOut(msgspec.Struct):
    id: int
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def me_out(principal: Principal) -> MeOut:
    return MeOut(
        id=principal.account_id,
        email=principal.email,
        display_name=principal.display_name,
        role=principal.role,
        region_ids=sorted(principal.scope.region_ids),
        establishment_ids=sorted(principal.scope.establishment_ids),
    )


class TooManyLogins(Exception):
    """Too many failed logins from this address or for this account."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        return (
            "Trop de tentatives de connexion : par sécurité, patientez "
            f"{self.retry_after} seconde(s) avant de réessayer."
        )


async def sign_in(request: Request, email: str, password: str) -> Principal | None:
    """Check credentials and start a fresh session (a new id, against session fixation).
    Failed attempts are counted per client address and per account (api/infra/login_throttle);
    raises TooManyLogins when either budget is spent."""
    throttle: LoginThrottle = request.app.state["login_throttle"]
    # The client address is the socket's peer, or the one a trusted proxy forwarded
    # (uvicorn's proxy headers, ORDIPRET_TRUSTED_PROXIES): never a header the client chose.
    address = request.client.host if request.client else "inconnue"
    retry_after = await throttle.begin(address, email)
    if retry_after is not None:
        raise TooManyLogins(retry_after)
    account_id = None
    if len(password) <= MAX_PASSWORD_LENGTH:
        account_id = await accounts.authenticate(email, password, utcnow())
    count_sign_in("password", account_id is not None)
    if account_id is None:
        return None
    await throttle.succeeded(address, email)
    rotate_session_id(request)
    request.set_session({SESSION_ACCOUNT_KEY: account_id, SESSION_METHOD_KEY: PASSWORD})
    return await accounts.load_principal(account_id)


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["authentification"]

    @post("/login", exclude_from_auth=True, status_code=200)
    async def login(self, request: Request, data: JSONBody[LoginIn]) -> MeOut:
        try:
            principal = await sign_in(request, data.email, data.password)
        except TooManyLogins as refused:
            raise problem_exception(
                429, refused.message, headers={"Retry-After": str(refused.retry_after)}
            ) from None
        if principal is None:
            raise problem_exception(401, "Adresse électronique ou mot de passe incorrect.")
        return me_out(principal)

    @post("/logout", status_code=204, guards=[OWN_ACCOUNT])
    async def logout(self, request: Request) -> None:
        request.clear_session()


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["authentification"]
    guards = [OWN_ACCOUNT]  # every role, the read-only ones included: one's own account

    @get("/")
    async def me(self, request: Request[Principal, None, None]) -> MeOut:
        return me_out(request.user)

    @get("/tokens")
    async def list_tokens(self, request: Request[Principal, None, None]) -> list[TokenOut]:
        return [TokenOut(**row) for row in await accounts.list_tokens(request.user.account_id)]

    @post("/tokens", summary="Créer un jeton d'API (affiché une seule fois)")
    async def create_token(
        self, request: Request[Principal, None, None], data: JSONBody[TokenIn]
    ) -> TokenCreatedOut:
        token_id, token = await accounts.create_token(request.user.account_id, data.name, utcnow())
        return TokenCreatedOut(id=token_id, name=data.name.strip(), token=token)

    @delete("/tokens/{token_id:int}", summary="Révoquer un jeton")
    async def revoke_token(self, request: Request[Principal, None, None], token_id: PathId) -> None:
        await accounts.revoke_token(request.user.account_id, token_id, utcnow())


ROUTES = [AuthController, MeController]
