"""Device models with their accessories, for the platform admin and region managers (one
catalogue for every region), over the domain functions of the API (inventory/catalogue.py).
The lists and forms work as the other reference pages (reference_admin.py)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect

from api.accounts.staff import Principal
from api.bodies import PathId
from api.infra.security import EDIT_REFERENCE
from api.pages.reference_admin import (
    HISTORY_SHOWN,
    PageCursor,
    PageRank,
    change_text,
    french,
    one_page,
    refused,
    text_of,
    who,
)
from api.pages.rendering import page
from inventory import catalogue, reference_history, reference_pages
from inventory.errors import Conflict, Invalid


def _accessories(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()][:50]


async def _models_page(
    request: Request[Principal, None, None],
    cursor: str | None = None,
    rank: str | None = None,
    status: int = 200,
    **context,
) -> Response:
    shown, pages, alert = await one_page(
        reference_pages.device_model_page, cursor, rank, "/administration/modeles"
    )
    if alert:
        status, context["alert"] = 400, alert
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return page(
        request,
        "pages/admin_models.html",
        status=status,
        models=shown,
        pages=pages,
        categories=catalogue.CATEGORIES,
        **context,
    )


class DeviceModelPages(Controller):
    path = "/administration/modeles"
    include_in_schema = False
    guards = [EDIT_REFERENCE]

    @get("/")
    async def model_list(
        self,
        request: Request[Principal, None, None],
        cursor: PageCursor = None,
        rank: PageRank = None,
        fait: FromQuery[str | None] = None,
    ) -> Response:
        return await _models_page(request, cursor, rank, done=fait)

    @post("/")
    async def create_model(self, request: Request[Principal, None, None]) -> Response:
        form = await request.form()
        values = {
            "manufacturer": text_of(form, "manufacturer", 100),
            "name": text_of(form, "name", 150),
            "category": text_of(form, "category", 20),
            "accessories": text_of(form, "accessories", 2000),
        }
        try:
            await catalogue.create_device_model(
                request.user.scope,
                **{**values, "accessories": _accessories(values["accessories"])},
                **who(request),
            )
        except (Invalid, Conflict) as error:
            return await _models_page(
                request, status=error.status, values=values, errors=refused(error)
            )
        return Redirect("/administration/modeles?fait=cree", status_code=303)

    @get("/{model_id:int}")
    async def model_edit(
        self,
        request: Request[Principal, None, None],
        model_id: PathId,
        fait: FromQuery[str | None] = None,
    ) -> Response:
        return await _model_page(request, model_id, done=fait)

    @post("/{model_id:int}")
    async def update_model(
        self, request: Request[Principal, None, None], model_id: PathId
    ) -> Response:
        form = await request.form()
        values = {
            "name": text_of(form, "name", 150),
            "category": text_of(form, "category", 20),
            "accessories": text_of(form, "accessories", 2000),
        }
        try:
            await catalogue.update_device_model(
                request.user.scope,
                model_id,
                {**values, "accessories": _accessories(values["accessories"])},
                **who(request),
            )
        except Invalid as error:
            return await _model_page(
                request, model_id, status=422, values=values, errors=french(error.errors)
            )
        return Redirect(f"/administration/modeles/{model_id}?fait=1", status_code=303)


async def _model_page(
    request: Request[Principal, None, None], model_id: int, status: int = 200, **context
) -> Response:
    model = await catalogue.get_device_model(model_id)
    context.setdefault(
        "values",
        {
            "name": model.name,
            "category": model.category,
            "accessories": ", ".join(model.accessories),
        },
    )
    context.setdefault("errors", {})
    events = await reference_history.reference_events(
        request.user.scope, reference_history.DEVICE_MODEL, str(model.id), None, limit=HISTORY_SHOWN
    )
    return page(
        request,
        "pages/admin_model.html",
        status=status,
        model=model,
        events=events,
        change_text=change_text,
        categories=catalogue.CATEGORIES,
        **context,
    )


ROUTES = [DeviceModelPages]
