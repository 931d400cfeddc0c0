"""A region's pages for those who manage it (its manager, the platform admin): its overdue
loans, school by school, and its loan policy with the history of its changes.

Both read and write through the same domain functions as the API (loans/overdue.py,
loans/policy.py); the region is found through the caller's scope (another region: 404).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect

from api.accounts.staff import Principal
from api.clock import today, utcnow
from api.infra.security import EDIT_REFERENCE
from api.pages import cursor_pages, pagination
from api.pages.rendering import page
from inventory import catalogue
from inventory.errors import Invalid, NotFound
from inventory.regions import get_region
from loans import overdue, policy, retention_rules

PER_PAGE = 50
POLICY_FIELDS = {
    "end_rule": "fin des prêts",
    "school_year_end": "fin de l'année scolaire",
    "max_open_per_category": "prêts par catégorie",
    "cession_allowed": "cession permise",
    "accessories_by_model": "accessoires par modèle",
    "guardian_cosign_for_minors": "cosignature des responsables",
    **{name: f"conservation : {label} (mois)" for name, label in retention_rules.LABELS.items()},
}


async def _managed_region(request: Request[Principal, None, None], code: str):
    """The region if the caller manages it; its staff (who may read it) get 404 here too."""
    scope = request.user.scope
    region = await get_region(scope, code)
    if not scope.manages_region(region.id):
        raise NotFound(f"Région {code} introuvable.")
    return region


def _shown(value: object) -> str:
    if value is None or value == {} or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dict):
        return "; ".join(f"modèle {k} : {', '.join(v)}" for k, v in value.items())
    return policy.END_RULES.get(str(value), str(value))


def policy_change(name: str, pair: list) -> str:
    before, after = (pair + [None, None])[:2]
    return f"{POLICY_FIELDS.get(name, name)} : {_shown(before)} → {_shown(after)}"


class RegionAdminPages(Controller):
    path = "/administration/regions/{code:str}"
    include_in_schema = False
    guards = [EDIT_REFERENCE]

    @get("/retards")
    async def region_overdue(
        self,
        request: Request[Principal, None, None],
        code: FromPath[str],
        etablissement: FromQuery[str | None] = None,
        cursor: Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)] = None,
        rank: Annotated[str | None, QueryParameter(name=cursor_pages.RANK)] = None,
    ) -> Response:
        scope, day = request.user.scope, today()
        region = await _managed_region(request, code)
        summary = await overdue.region_overdue(scope, region.code, day)
        chosen = (etablissement or "").strip()[:20]
        position = cursor_pages.page_cursor(cursor)
        if chosen and chosen not in {e.uai for e in summary.establishments}:
            raise NotFound(f"Établissement {chosen} introuvable dans la région.")
        found = await overdue.overdue_loans(
            scope,
            day,
            establishment_uai=chosen or None,
            region_code=region.code,
            limit=PER_PAGE,
            cursor=position,
        )
        path = f"/administration/regions/{region.code}/retards"
        return page(
            request,
            "pages/region_overdue.html",
            region=region,
            summary=summary,
            chosen=chosen,
            names={e.uai: e.name for e in summary.establishments},
            loans=found.items,
            total=found.total,
            pages=cursor_pages.CursorPages.of_result(
                found,
                cursor_pages.rank(rank),
                PER_PAGE,
                path,
                {"etablissement": chosen},
            ),
        )

    @get("/regles")
    async def region_policy(
        self,
        request: Request[Principal, None, None],
        code: FromPath[str],
        fait: FromQuery[str | None] = None,
        page_number: Annotated[int, QueryParameter(name="page", ge=1, le=100_000)] = 1,
    ) -> Response:
        return await _policy_page(request, code, done=fait, number=page_number)

    @post("/regles")
    async def change_policy(
        self, request: Request[Principal, None, None], code: FromPath[str]
    ) -> Response:
        principal = request.user
        region = await _managed_region(request, code)
        form = await request.form()
        models = await catalogue.list_device_models()
        changes, errors = _policy_changes(form, models)
        if not errors:
            try:
                await policy.update_policy(
                    principal.scope, principal.actor, utcnow(), region.code, changes
                )
            except Invalid as error:
                errors = {k: v[:1].upper() + v[1:] + "." for k, v in error.errors.items()}
        if errors:
            return await _policy_page(request, code, status=422, errors=errors, form=form)
        return Redirect(f"/administration/regions/{region.code}/regles?fait=1", status_code=303)


def _text(form, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _policy_changes(form, models) -> tuple[dict, dict[str, str]]:
    """The policy fields the form carries, typed; French errors for what does not parse."""
    errors: dict[str, str] = {}
    changes: dict = {
        "end_rule": _text(form, "end_rule", 20),
        "cession_allowed": _text(form, "cession_allowed") == "oui",
        "guardian_cosign_for_minors": _text(form, "guardian_cosign_for_minors") == "oui",
    }
    maximum = _text(form, "max_open_per_category", 10)
    if maximum.isdigit():
        changes["max_open_per_category"] = int(maximum)
    else:
        errors["max_open_per_category"] = f"Indiquez un nombre entier entre 1 et {policy.MAX_OPEN}."
    end = _text(form, "school_year_end", 20)
    try:
        changes["school_year_end"] = dt.date.fromisoformat(end) if end else None
    except ValueError:
        errors["school_year_end"] = "Date invalide : JJ/MM/AAAA attendu."
    accessories = {}
    for model in models:
        names = [n.strip() for n in _text(form, f"accessories_{model.id}", 2000).split(",")]
        if any(names):
            accessories[str(model.id)] = [n for n in names if n]
    changes["accessories_by_model"] = accessories
    for name, (_, least, most) in retention_rules.FIELDS.items():
        months = _text(form, name, 10)
        if months.isdigit():
            changes[name] = int(months)
        elif months:  # left out (an older form): unchanged
            errors[name] = f"Indiquez un nombre entier de mois entre {least} et {most}."
    return changes, errors


async def _policy_page(
    request: Request[Principal, None, None],
    code: str,
    *,
    status: int = 200,
    errors: dict | None = None,
    form=None,
    done: str | None = None,
    number: int = 1,
) -> Response:
    scope = request.user.scope
    region = await _managed_region(request, code)
    current = await policy.get_policy(scope, region.code, utcnow())
    models = await catalogue.list_device_models()
    if form is None:
        values = {
            "end_rule": current.end_rule,
            "school_year_end": current.school_year_end.isoformat()
            if current.school_year_end
            else "",
            "max_open_per_category": str(current.max_open_per_category),
            "cession_allowed": "oui" if current.cession_allowed else "",
            "guardian_cosign_for_minors": "oui" if current.guardian_cosign_for_minors else "",
            **{name: str(getattr(current, name)) for name in retention_rules.FIELDS},
            **{
                f"accessories_{m.id}": ", ".join(current.accessories_by_model.get(str(m.id), []))
                for m in models
            },
        }
    else:
        values = {name: _text(form, name, 2000) for name in form}
    events = await policy.policy_history(scope, region.code)
    start = pagination.offset(number, PER_PAGE)
    return page(
        request,
        "pages/region_policy.html",
        status=status,
        region=region,
        policy=current,
        values=values,
        errors=errors or {},
        models=models,
        end_rules=policy.END_RULES,
        max_open=policy.MAX_OPEN,
        retention=[
            (name, label, *retention_rules.FIELDS[name][1:])
            for name, label in retention_rules.LABELS.items()
        ],
        # A region's policy changes a few times a year: the whole history is read, one page shown.
        events=events[start : start + PER_PAGE],
        pages=pagination.Pagination.of(
            number,
            PER_PAGE,
            len(events),
            len(events[start : start + PER_PAGE]),
            f"/administration/regions/{region.code}/regles",
            {},
            "#historique",
        ),  # fmt: skip
        policy_change=policy_change,
        done=done,
    )


ROUTES = [RegionAdminPages]
