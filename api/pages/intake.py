"""Intake pages (`/arrivages`): receive a delivery by scanning label then serial, again and
again; register one device; links to the CSV import and to blank label sheets.

Plain forms, post/redirect/get: without JavaScript a keyboard-wedge scanner still works (the
label, Enter, the serial, Enter submits). `static/intake.js` only moves the focus from the
label to the serial field on Enter and reads barcodes with the camera where it can.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect

from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import utcnow
from api.infra.security import EDIT_FLEET
from api.pages import cursor_pages
from api.pages.rendering import page
from inventory import catalogue, regions
from inventory.errors import Conflict, Invalid
from labels.intake import register_device
from loans import deliveries

HOME = "/arrivages"
NEW_DEVICE = f"{HOME}/appareil"
PAGE_SIZE = 50
HOME_PAGE_SIZE = 20


class StartForm(msgspec.Struct):
    # Strings, so that an empty or odd field gets a French message next to it, not a 400.
    model_id: str = ""
    establishment_uai: str = ""


class ReceiveForm(msgspec.Struct):
    code: str = ""
    serial: str = ""


class DeviceForm(msgspec.Struct):
    model_id: str = ""
    serial: str = ""
    establishment_uai: str = ""
    tag: str = ""
    code: str = ""


def _model_id(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else None


def _errors(error: Invalid | Conflict, fallback: str) -> dict[str, str]:
    """Field -> French message, for the form's fields (model_id for the API's model)."""
    fields = error.fields or {fallback: error.message}
    return {name: message[:1].upper() + message[1:] for name, message in fields.items()}


async def _choices(request: Request[Principal, None, None]) -> dict:
    return {
        "models": await catalogue.list_device_models(),
        "establishments": await regions.list_establishments(request.user.scope),
    }


def _pages(
    listed: deliveries.DeliveryPage | deliveries.ItemPage,
    rank: int,
    path: str,
    per_page: int,
    fragment: str,
) -> cursor_pages.CursorPages:
    return cursor_pages.CursorPages.of(
        listed,
        first_rank=rank,
        total=listed.total,
        total_exact=listed.total_exact,
        path=path,
        query={},
        per_page=per_page,
        fragment=fragment,
    )


async def _home(
    request: Request[Principal, None, None],
    *,
    status: int = 200,
    form: StartForm | None = None,
    errors: dict | None = None,
    cursor: str | None = None,
    rank: int = 1,
) -> Response:
    alert = None
    try:
        listed = await deliveries.list_deliveries(request.user.scope, HOME_PAGE_SIZE, cursor=cursor)
    except Invalid:
        status, alert = 400, cursor_pages.CURSOR_ERROR
        listed = await deliveries.list_deliveries(request.user.scope, HOME_PAGE_SIZE)
    return page(
        request,
        "pages/intake_home.html",
        status=status,
        alert=alert,
        form=form or StartForm(),
        errors=errors or {},
        deliveries=listed.items,
        pages=_pages(listed, rank, HOME, HOME_PAGE_SIZE, "#arrivages"),
        **await _choices(request),
    )


async def _delivery_page(
    request: Request[Principal, None, None],
    delivery_id: int,
    *,
    status: int = 200,
    errors: dict | None = None,
    form: ReceiveForm | None = None,
    done: str = "",
    cursor: str | None = None,
    rank: int = 1,
) -> Response:
    scope = request.user.scope
    delivery = await deliveries.get_delivery(scope, delivery_id)
    alert = None
    try:
        listed = await deliveries.list_items(scope, delivery_id, PAGE_SIZE, cursor=cursor)
    except Invalid:
        status, alert = 400, cursor_pages.CURSOR_ERROR
        listed = await deliveries.list_items(scope, delivery_id, PAGE_SIZE)
    path = f"{HOME}/{delivery_id}"
    return page(
        request,
        "pages/intake_delivery.html",
        status=status,
        alert=alert,
        delivery=delivery,
        items=listed.items,
        pages=_pages(listed, rank, path, PAGE_SIZE, "#recus"),
        # Only the latest receipt may be undone: it is on the first page.
        undoable=next((item for item in listed.items if item.undone_at is None), None)
        if listed.previous_cursor is None
        else None,
        errors=errors or {},
        form=form or ReceiveForm(),
        done=done,
    )


class IntakePages(Controller):
    path = HOME
    include_in_schema = False
    guards = [EDIT_FLEET]

    @get("/")
    async def home(
        self,
        request: Request[Principal, None, None],
        cursor: Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)] = None,
        rank: Annotated[str | None, QueryParameter(name=cursor_pages.RANK)] = None,
    ) -> Response:
        return await _home(request, cursor=cursor, rank=cursor_pages.rank(rank))

    @post("/")
    async def start(
        self, request: Request[Principal, None, None], data: URLEncodedBody[StartForm]
    ) -> Response:
        principal = request.user
        try:
            delivery = await deliveries.open_delivery(
                principal.scope,
                principal.actor,
                utcnow(),
                _model_id(data.model_id),
                data.establishment_uai,
            )
        except Invalid as error:
            return await _home(request, status=422, form=data, errors=_errors(error, "model_id"))
        return Redirect(f"{HOME}/{delivery.id}", status_code=303)

    @get("/{delivery_id:int}")
    async def delivery(
        self,
        request: Request[Principal, None, None],
        delivery_id: PathId,
        fait: FromQuery[str | None] = None,
        cursor: Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)] = None,
        rank: Annotated[str | None, QueryParameter(name=cursor_pages.RANK)] = None,
    ) -> Response:
        done = {
            "recu": "Appareil enregistré : scannez l'étiquette suivante.",
            "annule": (
                "Dernière réception annulée : l'appareil est retiré, l'étiquette redevient vierge."
            ),
        }.get(fait or "", "")
        return await _delivery_page(
            request, delivery_id, done=done, cursor=cursor, rank=cursor_pages.rank(rank)
        )

    @post("/{delivery_id:int}/recevoir")
    async def receive(
        self,
        request: Request[Principal, None, None],
        delivery_id: PathId,
        data: URLEncodedBody[ReceiveForm],
    ) -> Response:
        principal = request.user
        try:
            await deliveries.receive_device(
                principal.scope, principal.actor, utcnow(), delivery_id, data.code, data.serial
            )
        except (Invalid, Conflict) as error:
            errors = _errors(error, "code")
            errors = {
                ("code" if name in ("asset", "tag") else name): m for name, m in errors.items()
            }
            return await _delivery_page(
                request, delivery_id, status=error.status, errors=errors, form=data
            )
        return Redirect(f"{HOME}/{delivery_id}?fait=recu", status_code=303)

    @post("/{delivery_id:int}/annuler")
    async def undo(self, request: Request[Principal, None, None], delivery_id: PathId) -> Response:
        principal = request.user
        try:
            await deliveries.undo_last_receipt(
                principal.scope, principal.actor, utcnow(), delivery_id
            )
        except Conflict as error:
            return await _delivery_page(
                request, delivery_id, status=error.status, errors={"undo": error.message}
            )
        return Redirect(f"{HOME}/{delivery_id}?fait=annule", status_code=303)


async def _device_page(
    request: Request[Principal, None, None],
    *,
    status: int = 200,
    form: DeviceForm | None = None,
    errors: dict | None = None,
    created: str = "",
) -> Response:
    return page(
        request,
        "pages/intake_device.html",
        status=status,
        form=form or DeviceForm(),
        errors=errors or {},
        created=created,
        **await _choices(request),
    )


class DevicePages(Controller):
    path = NEW_DEVICE
    include_in_schema = False
    guards = [EDIT_FLEET]

    @get("/")
    async def form(
        self,
        request: Request[Principal, None, None],
        cree: FromQuery[str | None] = None,
        code: FromQuery[str | None] = None,
    ) -> Response:
        # `code`: a blank label scanned on /scan, to register a new device with.
        form = DeviceForm(code=(code or "").strip()[:200])
        return await _device_page(request, form=form, created=(cree or "")[:40])

    @post("/")
    async def create(
        self, request: Request[Principal, None, None], data: URLEncodedBody[DeviceForm]
    ) -> Response:
        principal = request.user
        fields = {
            "tag": data.tag.strip(),
            "serial": data.serial,
            "model_id": _model_id(data.model_id),
            "establishment_uai": data.establishment_uai.strip() or None,
        }
        errors = {}
        if fields["model_id"] is None:
            errors["model_id"] = "Choisissez le modèle de l'appareil."
        if not data.establishment_uai.strip():
            errors["establishment_uai"] = "Choisissez l'établissement de l'appareil."
        if errors:
            return await _device_page(request, status=422, form=data, errors=errors)
        try:
            labelled = await register_device(
                principal.scope, principal.actor, utcnow(), fields, data.code
            )
        except (Invalid, Conflict) as error:
            errors = _errors(error, "code")
            errors = {("code" if name == "asset" else name): m for name, m in errors.items()}
            return await _device_page(request, status=error.status, form=data, errors=errors)
        return Redirect(f"{NEW_DEVICE}?cree={labelled.asset.tag}", status_code=303)


ROUTES = [IntakePages, DevicePages]
