"""The loan desk: the lifecycle use-cases with what the region's policy decides filled in
(how many loans a student may hold, the due date, the accessories that go with a model, whether
cession is allowed), shared by the JSON API (`api.loans`) and the pages (`api.pages.loans`),
so both hand over the same way.

Writes are for admin and IT staff; IT staff act on their schools only (the scope makes
another school's loan not found).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from litestar import Request
from litestar.datastructures import UploadFile

from api.accounts.staff import Principal
from api.infra.security import roles
from api.request_checks import check_request
from inventory import assets, regions
from inventory.errors import Invalid, NotFound
from inventory.scope import Scope
from inventory.views import AssetView, DeviceModelView
from loans import campaigns, lifecycle, students
from loans.minors import paris_day
from loans.policy import due_date, policy_for_region
from loans.records import loan_row
from loans.views import PolicyView

LOAN_DESK = roles("admin", "it_staff")
DESK_ROLES = frozenset({"admin", "it_staff"})
PHOTOS_PER_REQUEST = 4


def may_lend(principal: Principal) -> bool:
    return principal.role in DESK_ROLES


def default_accessories(policy: PolicyView, model: DeviceModelView) -> list[str]:
    """What goes with the device: the region's list for this model, else the model's own."""
    by_model = policy.accessories_by_model or {}
    if str(model.id) in by_model:
        return list(by_model[str(model.id)])
    return list(model.accessories)


async def policy_of_asset(asset: AssetView, now: dt.datetime) -> PolicyView:
    region_id = await regions.region_id_for_code(asset.region_code)
    return await policy_for_region(region_id, now)


async def prepare(
    principal: Principal,
    now: dt.datetime,
    *,
    asset_tag: str,
    student_id: int,
    campaign_id: int | None = None,
    draft: bool = False,
) -> int:
    scope = principal.scope
    try:
        student = await students.student_row(scope, student_id)
    except NotFound:
        raise Invalid(
            {"student_id": f"élève n° {student_id} inconnu ou hors de votre périmètre"}
        ) from None
    policy = await policy_for_region(student["region_id"], now)
    campaign_id = await campaigns.campaign_for_new_loan(
        scope, paris_day(now), student_id, campaign_id
    )
    return await lifecycle.prepare_loan(
        scope,
        principal.actor,
        now,
        asset_tag=asset_tag,
        student_id=student_id,
        max_open_per_category=policy.max_open_per_category,
        campaign_id=campaign_id,
        draft=draft,
    )


@dataclass(frozen=True, slots=True)
class HandOverPlan:
    """What a hand-over of this loan records unless told otherwise."""

    asset: AssetView
    accessories: list[str]
    due_on: dt.date | None


async def hand_over_plan(scope: Scope, loan_id: int, now: dt.datetime) -> HandOverPlan:
    row = await loan_row(scope, loan_id)
    asset = await assets.get_asset(scope, row["asset_tag"])
    policy = await policy_for_region(row["region_id"], now)
    return HandOverPlan(
        asset=asset,
        accessories=default_accessories(policy, asset.model),
        due_on=due_date(policy, row["student_class_name"], paris_day(now)),
    )


async def hand_over(
    principal: Principal, now: dt.datetime, loan_id: int, accessories: list[str] | None
) -> None:
    plan = await hand_over_plan(principal.scope, loan_id, now)
    chosen = plan.accessories if accessories is None else _cleaned(accessories)
    await lifecycle.hand_over(principal.scope, principal.actor, now, loan_id, chosen, plan.due_on)


def _cleaned(names: list[str]) -> list[str]:
    return list(dict.fromkeys(" ".join(n.split()) for n in names if n.strip()))


async def take_back(
    principal: Principal,
    now: dt.datetime,
    loan_id: int,
    *,
    accessories_returned: list[str],
    condition: str,
    damage_notes: str = "",
) -> dict:
    result = await lifecycle.take_back(
        principal.scope,
        principal.actor,
        now,
        loan_id,
        accessories_returned=_cleaned(accessories_returned),
        condition=condition.strip().upper(),
        damage_notes=damage_notes,
    )
    return {**result, "device_state": "in_repair" if result["damaged"] else "in_stock"}


async def transfer(
    principal: Principal, now: dt.datetime, loan_id: int, to_establishment_uai: str
) -> tuple[int, str]:
    """The new loan's id and school. The new school is looked up in the loan's region, not in
    the caller's scope: IT staff hand the student over to a school they do not manage."""
    row = await loan_row(principal.scope, loan_id)
    try:
        target = await regions.establishment_row(
            Scope.region(row["region_id"]), to_establishment_uai
        )
    except NotFound:
        raise Invalid(
            {"to_establishment_uai": "établissement inconnu dans la région de ce prêt"}
        ) from None
    new_id = await lifecycle.transfer(
        principal.scope,
        principal.actor,
        now,
        loan_id,
        to_establishment_id=target["id"],
        to_region_id=target["region"],
    )
    return new_id, to_establishment_uai.strip().upper()


async def cession_allowed(scope: Scope, loan_id: int, now: dt.datetime) -> bool:
    row = await loan_row(scope, loan_id)
    return (await policy_for_region(row["region_id"], now)).cession_allowed


async def cede(principal: Principal, now: dt.datetime, loan_id: int) -> None:
    allowed = await cession_allowed(principal.scope, loan_id, now)
    await lifecycle.cede(principal.scope, principal.actor, now, loan_id, cession_allowed=allowed)


def photo_href(loan_id: int, photo_id: int) -> str:
    return f"/api/v1/loans/{loan_id}/photos/{photo_id}"


async def photo_upload_checks(request: Request) -> None:
    """The app's checks (api.request_checks), but for one thing: a multipart upload is taken
    from clients a cross-site HTML form cannot imitate, those sending a bearer token or an
    `X-Requested-With` header. Either forces a CORS preflight, which this site never grants,
    so the refusal of form content types keeps protecting session cookies from CSRF here."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
    if content_type == "multipart/form-data" and (
        bearer or request.headers.get("x-requested-with")
    ):
        return  # only the files are read, the path holds two integers: nothing for a NUL
    await check_request(request)


async def uploaded_photos(request: Request) -> list[bytes]:
    """Every file of a multipart form, whatever its field name, in order."""
    form = await request.form()
    files = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
    if len(files) > PHOTOS_PER_REQUEST:
        raise Invalid({"photos": f"{PHOTOS_PER_REQUEST} photos au plus par envoi"})
    contents = [await upload.read() for upload in files]
    for upload in files:
        await upload.close()
    return [content for content in contents if content]


def photo_dir(request: Request) -> Path:
    """Where damage photos are kept: under the app's storage directory (settings.var_dir)."""
    return request.app.state["settings"].var_dir / "photos"
