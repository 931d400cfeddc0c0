"""Staff accounts, for the platform admin (every account) and region managers (those of their
region, with no role above their own). One's own account and tokens are under /api/v1/me."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.params import JSONBody, QueryParameter

from api.accounts import administration, history
from api.accounts.administration import AccountPage, AccountView
from api.accounts.history import AccountEventView, SignInView
from api.accounts.staff import Principal
from api.bodies import PathId, UaiText
from api.clock import utcnow
from api.cursors import CursorQuery, link_header
from api.infra.security import EDIT_REFERENCE

Limit = Annotated[int, QueryParameter(ge=1, le=500, description="500 au plus")]
Offset = Annotated[
    int, QueryParameter(ge=0, le=1_000_000, description="Déprécié : suivez `cursor`")
]
Role = Annotated[str, msgspec.Meta(max_length=20)]
RegionCode = Annotated[str, msgspec.Meta(max_length=3)]
Uais = Annotated[list[UaiText], msgspec.Meta(max_length=500)]


class AccountIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    display_name: Annotated[str, msgspec.Meta(max_length=200)]
    role: Role
    region_code: RegionCode | None = None  # region managers (platform admin only: others own)
    establishment_uais: Uais = []  # IT staff (one or more), heads (one)


class AccountPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    display_name: Annotated[str, msgspec.Meta(max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    region_code: RegionCode | None | msgspec.UnsetType = msgspec.UNSET
    establishment_uais: Uais | msgspec.UnsetType = msgspec.UNSET


class AccountCreatedOut(msgspec.Struct):
    account: AccountView
    temporary_password: str  # shown once, stored only as a hash


class PasswordResetOut(msgspec.Struct):
    temporary_password: str  # shown once, stored only as a hash


class AccountController(Controller):
    path = "/api/v1/accounts"
    tags = ["comptes"]
    guards = [EDIT_REFERENCE]

    @get("/", summary="Comptes des personnels du périmètre, par nom")
    async def list_accounts(
        self,
        request: Request[Principal, None, None],
        q: Annotated[
            str | None, QueryParameter(description="Partie du nom ou de l'adresse", max_length=100)
        ] = None,
        limit: Limit = 50,
        offset: Offset = 0,
        cursor: CursorQuery = None,
    ) -> AccountPage:
        return await administration.list_accounts(
            request.user.scope, search=q or "", limit=limit, cursor=cursor, offset=offset
        )

    @post("/", summary="Créer un compte (mot de passe provisoire affiché une seule fois)")
    async def create_account(
        self, request: Request[Principal, None, None], data: JSONBody[AccountIn]
    ) -> AccountCreatedOut:
        principal = request.user
        account_id, password = await administration.create_staff_account(
            principal.scope,
            principal.actor,
            principal.role,
            utcnow(),
            **msgspec.structs.asdict(data),
        )
        account = await administration.get_account(principal.scope, account_id)
        return AccountCreatedOut(account=account, temporary_password=password)

    @get("/{account_id:int}", summary="Un compte")
    async def get_account(
        self, request: Request[Principal, None, None], account_id: PathId
    ) -> AccountView:
        return await administration.get_account(request.user.scope, account_id)

    @patch("/{account_id:int}", summary="Changer le nom, le rôle ou le périmètre d'un compte")
    async def change_account(
        self,
        request: Request[Principal, None, None],
        account_id: PathId,
        data: JSONBody[AccountPatch],
    ) -> AccountView:
        principal = request.user
        current = await administration.get_account(principal.scope, account_id)
        fields = {
            "display_name": current.display_name,
            "role": current.role,
            "region_code": current.region_code,
            "establishment_uais": [e.uai for e in current.establishments],
        }
        fields.update(
            {
                name: getattr(data, name)
                for name in fields
                if getattr(data, name) is not msgspec.UNSET
            }
        )
        return await administration.change_account(
            principal.scope, principal.actor, principal.role, utcnow(), account_id, **fields
        )

    @post("/{account_id:int}/deactivate", status_code=200, summary="Désactiver un compte")
    async def deactivate(
        self, request: Request[Principal, None, None], account_id: PathId
    ) -> AccountView:
        principal = request.user
        return await administration.set_active(
            principal.scope, principal.actor, utcnow(), account_id, False
        )

    @post("/{account_id:int}/reactivate", status_code=200, summary="Réactiver un compte")
    async def reactivate(
        self, request: Request[Principal, None, None], account_id: PathId
    ) -> AccountView:
        principal = request.user
        return await administration.set_active(
            principal.scope, principal.actor, utcnow(), account_id, True
        )

    @post(
        "/{account_id:int}/password-reset",
        status_code=200,
        summary="Réinitialiser le mot de passe (provisoire, affiché une seule fois)",
    )
    async def reset_password(
        self, request: Request[Principal, None, None], account_id: PathId
    ) -> PasswordResetOut:
        principal = request.user
        password = await administration.reset_password(
            principal.scope, principal.actor, utcnow(), account_id
        )
        return PasswordResetOut(temporary_password=password)

    @get("/{account_id:int}/history", summary="Changements du compte, les plus récents d'abord")
    async def account_history(
        self,
        request: Request[Principal, None, None],
        account_id: PathId,
        limit: Limit = 50,
        offset: Offset = 0,
        cursor: CursorQuery = None,
    ) -> Response[list[AccountEventView]]:
        """The neighbouring pages are in the `Link` header (rel next, prev)."""
        await administration.get_account(request.user.scope, account_id)
        found = await history.event_page(account_id, limit=limit, cursor=cursor, offset=offset)
        return Response(
            found.items, headers=link_header(request, found.next_cursor, found.previous_cursor)
        )

    @get("/{account_id:int}/sign-ins", summary="Dernières tentatives de connexion")
    async def sign_ins(
        self,
        request: Request[Principal, None, None],
        account_id: PathId,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = history.SIGN_INS_SHOWN,
        cursor: CursorQuery = None,
    ) -> Response[list[SignInView]]:
        """The neighbouring pages are in the `Link` header (rel next, prev)."""
        await administration.get_account(request.user.scope, account_id)
        found = await history.sign_in_page(account_id, limit=limit, cursor=cursor)
        return Response(
            found.items, headers=link_header(request, found.next_cursor, found.previous_cursor)
        )


ROUTES = [AccountController]
