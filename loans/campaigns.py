"""Campaigns: the rentrée hand-out (distribution) and the June collection of one establishment,
for every class or some of them: create, list, read, edit, close. Their progress and to-do
lists are in `loans.campaign_progress`.

A campaign has no `closed` flag: closing one sets its end date to today (Paris). Campaigns
of the same kind of one establishment may not overlap both in dates and in classes, so that
a student is in one running distribution at most, which `campaign_for_new_loan` relies on.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from piccolo.columns.combination import Or

from inventory import keyset
from inventory.db import for_update, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.regions import establishment_key
from inventory.scope import Actor, Scope
from inventory.tables import Establishment
from inventory.uai import normalise_uai
from inventory.views import EstablishmentRef
from loans.minors import paris_day
from loans.students import CLASS_PATTERN, normalise_class
from loans.tables import Campaign, Student

KINDS = {"distribution": "distribution", "collection": "collecte"}
STATUSES = {"planned": "à venir", "running": "en cours", "ended": "terminée"}
NAME_LENGTH = 150
MAX_CLASSES = 100
EDITABLE = ("name", "class_names", "starts_on", "ends_on")


class CampaignView(msgspec.Struct, frozen=True):
    id: int
    establishment: EstablishmentRef
    kind: str  # "distribution" or "collection"
    name: str
    class_names: list[str]  # empty: every class
    starts_on: dt.date
    ends_on: dt.date | None
    status: str  # "planned", "running" or "ended", on the day asked
    created_at: dt.datetime
    created_by: str


class CampaignPage(msgspec.Struct, frozen=True):
    items: list[CampaignView]
    total: int  # at most keyset.COUNT_CAP: `total_exact` false means "more than"
    limit: int
    offset: int
    next_cursor: str | None = None
    previous_cursor: str | None = None
    total_exact: bool = True


# Reading -----------------------------------------------------------------------------------

# Newest first: by start date, then id. Index campaign_starts_on_id.
SORT = "campaigns.newest"
KEYS = (
    keyset.Key(Campaign.starts_on, descending=True),
    keyset.Key(Campaign.id, descending=True),
)

_COLUMNS = (
    Campaign.id,
    Campaign.kind,
    Campaign.name,
    Campaign.class_names,
    Campaign.starts_on,
    Campaign.ends_on,
    Campaign.created_at,
    Campaign.created_by,
    Campaign.establishment.id.as_alias("establishment_id"),
    Campaign.establishment.uai.as_alias("establishment_uai"),
    Campaign.establishment.name.as_alias("establishment_name"),
    Campaign.establishment.region.as_alias("region_id"),
)


def status_on(starts_on: dt.date, ends_on: dt.date | None, today: dt.date) -> str:
    if today < starts_on:
        return "planned"
    if ends_on is not None and ends_on < today:
        return "ended"
    return "running"


def view_of(row: dict, today: dt.date) -> CampaignView:
    created_at = row["created_at"]
    return CampaignView(
        id=row["id"],
        establishment=EstablishmentRef(
            uai=row["establishment_uai"], name=row["establishment_name"]
        ),
        kind=row["kind"],
        name=row["name"],
        class_names=list(row["class_names"] or []),
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        status=status_on(row["starts_on"], row["ends_on"], today),
        created_at=created_at if created_at.tzinfo else created_at.replace(tzinfo=dt.UTC),
        created_by=row["created_by"],
    )


async def campaign_row(scope: Scope, campaign_id: int, lock: bool = False) -> dict:
    query = Campaign.select(*_COLUMNS).where(Campaign.id == campaign_id).output(load_json=True)
    if lock:
        query = for_update(query, Campaign)
    row = await query.first()
    if row is None or not scope.sees_establishment(row["establishment_id"], row["region_id"]):
        raise NotFound(f"Campagne n° {campaign_id} introuvable.")
    return row


async def get_campaign(scope: Scope, campaign_id: int, today: dt.date) -> CampaignView:
    return view_of(await campaign_row(scope, campaign_id), today)


async def list_campaigns(
    scope: Scope,
    today: dt.date,
    *,
    establishment_uai: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> CampaignPage:
    """Newest first, after (or before) `cursor`, or `offset` rows in (deprecated). An
    establishment outside the scope lists nothing, as an unknown one."""
    after = keyset.decode(cursor, SORT, KEYS)
    errors = {}
    if kind is not None and kind not in KINDS:
        errors["kind"] = "valeurs possibles : distribution, collection"
    if status is not None and status not in STATUSES:
        errors["status"] = "valeurs possibles : planned, running, ended"
    if errors:
        raise Invalid(errors)
    # A campaign belongs to its establishment.
    scoped = scope.restrict(Campaign.establishment.region, Campaign.establishment)
    where = [w for w in (scoped,) if w is not None]
    if establishment_uai:
        where.append(Campaign.establishment.uai == normalise_uai(establishment_uai))
    if kind:
        where.append(Campaign.kind == kind)
    if status == "planned":
        where.append(Campaign.starts_on > today)
    elif status == "ended":
        where.append(Campaign.ends_on < today)
    elif status == "running":
        where.append(Campaign.starts_on <= today)
        where.append(Or(Campaign.ends_on.is_null(), Campaign.ends_on >= today))

    def select():
        query = Campaign.select(*_COLUMNS).output(load_json=True)
        for clause in where:
            query = query.where(clause)
        return query

    skip = offset if after is None else 0
    found = await keyset.fetch_page(lambda: select().offset(skip), SORT, KEYS, after, limit)
    total, exact = await keyset.capped_count(select())
    return CampaignPage(
        items=[view_of(r, today) for r in found.rows],
        total=total,
        limit=limit,
        offset=skip,
        next_cursor=found.next_cursor,
        previous_cursor=found.previous_cursor,
        total_exact=exact,
    )


# Writing -----------------------------------------------------------------------------------


def _clean(fields: dict) -> dict:
    """Validated, normalised values of the given fields; Invalid names every wrong one."""
    errors: dict[str, str] = {}
    clean: dict = {}
    if "kind" in fields:
        if fields["kind"] not in KINDS:
            errors["kind"] = (
                "type de campagne inconnu ; valeurs possibles : distribution, collection"
            )
        clean["kind"] = fields["kind"]
    if "name" in fields:
        name = " ".join((fields["name"] or "").split())
        if not name:
            errors["name"] = "le nom de la campagne est obligatoire"
        elif len(name) > NAME_LENGTH:
            errors["name"] = f"{NAME_LENGTH} caractères au plus"
        clean["name"] = name
    if "class_names" in fields:
        classes = []
        for raw in fields["class_names"] or []:
            name = normalise_class(raw or "")
            if not CLASS_PATTERN.match(name):
                errors["class_names"] = (
                    f"classe « {raw} » invalide : lettres et chiffres, 20 caractères au plus"
                )
                break
            if name not in classes:
                classes.append(name)
        if len(classes) > MAX_CLASSES:
            errors["class_names"] = f"{MAX_CLASSES} classes au plus"
        clean["class_names"] = sorted(classes)
    for key in ("starts_on", "ends_on"):
        if key in fields:
            value = fields[key]
            if value is not None and not 2000 <= value.year <= 2100:
                errors[key] = "date hors des années 2000 à 2100"
            clean[key] = value
    if "starts_on" in clean and clean["starts_on"] is None:
        errors["starts_on"] = "la date de début est obligatoire"
    if errors:
        raise Invalid(errors)
    return clean


def _check_dates(starts_on: dt.date, ends_on: dt.date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise Invalid({"ends_on": "la date de fin ne peut pas précéder la date de début"})


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    far = dt.date.max
    return a_start <= (b_end or far) and b_start <= (a_end or far)


async def _check_no_overlap(
    establishment_id: int, fields: dict, exclude_id: int | None = None
) -> None:
    """Two campaigns of one kind may not run at the same time for the same classes."""
    others = await (
        Campaign.select(
            Campaign.id, Campaign.name, Campaign.class_names, Campaign.starts_on, Campaign.ends_on
        )
        .where((Campaign.establishment == establishment_id) & (Campaign.kind == fields["kind"]))
        .output(load_json=True)
    )
    mine = set(fields["class_names"])
    for other in others:
        if other["id"] == exclude_id:
            continue
        theirs = set(other["class_names"] or [])
        shared = not mine or not theirs or bool(mine & theirs)
        dates = _overlaps(
            fields["starts_on"], fields["ends_on"], other["starts_on"], other["ends_on"]
        )
        if shared and dates:
            raise Conflict(
                f"La campagne « {other['name']} » (n° {other['id']}) concerne déjà ces classes "
                "à ces dates : modifiez les dates ou les classes.",
                field="starts_on",
            )


async def create_campaign(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    *,
    establishment_uai: str,
    kind: str,
    name: str,
    starts_on: dt.date | None,
    class_names: list[str] | None = None,
    ends_on: dt.date | None = None,
) -> CampaignView:
    fields = _clean(
        {
            "kind": kind,
            "name": name,
            "class_names": class_names or [],
            "starts_on": starts_on,
            "ends_on": ends_on,
        }
    )
    _check_dates(fields["starts_on"], fields["ends_on"])
    try:
        establishment = await establishment_key(scope, establishment_uai)
    except NotFound:
        uai = normalise_uai(establishment_uai)
        raise Invalid(
            {"establishment_uai": f"établissement {uai} inconnu ou hors de votre périmètre"}
        ) from None
    async with write_transaction():
        # Campaigns of one establishment are written one at a time (the overlap check).
        await for_update(
            Establishment.select(Establishment.id).where(Establishment.id == establishment.id),
            Establishment,
        )
        await _check_no_overlap(establishment.id, fields)
        campaign_id = (
            await Campaign.insert(
                Campaign(
                    establishment=establishment.id,
                    created_at=now,
                    created_by=actor.name,
                    **fields,
                )
            ).returning(Campaign.id)
        )[0]["id"]
    return await get_campaign(scope, campaign_id, paris_day(now))


async def update_campaign(
    scope: Scope, actor: Actor, now: dt.datetime, campaign_id: int, changes: dict
) -> CampaignView:
    """Change the name, classes or dates. The kind and the establishment are fixed."""
    unknown = [key for key in changes if key not in EDITABLE]
    if unknown:
        raise Invalid({key: "ce champ ne peut pas être modifié" for key in unknown})
    clean = _clean(changes)
    async with write_transaction():
        row = await campaign_row(scope, campaign_id, lock=True)
        await for_update(
            Establishment.select(Establishment.id).where(
                Establishment.id == row["establishment_id"]
            ),
            Establishment,
        )
        merged = {key: row[key] for key in ("kind", "name", "class_names", "starts_on", "ends_on")}
        merged.update(clean)
        _check_dates(merged["starts_on"], merged["ends_on"])
        await _check_no_overlap(row["establishment_id"], merged, exclude_id=campaign_id)
        if clean:
            await Campaign.update(clean).where(Campaign.id == campaign_id)
    return await get_campaign(scope, campaign_id, paris_day(now))


async def close_campaign(
    scope: Scope, actor: Actor, now: dt.datetime, campaign_id: int
) -> CampaignView:
    """End the campaign today (Paris): its last day is today."""
    today = paris_day(now)
    async with write_transaction():
        row = await campaign_row(scope, campaign_id, lock=True)
        status = status_on(row["starts_on"], row["ends_on"], today)
        if status == "ended":
            raise Conflict(f"La campagne n° {campaign_id} est déjà terminée.", field="ends_on")
        if status == "planned":
            raise Conflict(
                f"La campagne n° {campaign_id} n'a pas commencé : modifiez ses dates.",
                field="ends_on",
            )
        if row["ends_on"] == today:
            raise Conflict(
                f"La campagne n° {campaign_id} se termine déjà aujourd'hui.", field="ends_on"
            )
        await Campaign.update({Campaign.ends_on: today}).where(Campaign.id == campaign_id)
    return await get_campaign(scope, campaign_id, today)


async def campaign_for_new_loan(
    scope: Scope, today: dt.date, student_id: int, campaign_id: int | None = None
) -> int | None:
    """The campaign a loan prepared today for this student belongs to.

    Given an id, it must be a running distribution of the student's establishment covering
    the student's class (Invalid naming `campaign_id` otherwise). Without one, the running
    distribution covering the student, if any (there is at most one, see the module doc)."""
    student = (
        await Student.select(Student.establishment, Student.region, Student.class_name)
        .where(Student.id == student_id)
        .first()
    )
    if student is None or not scope.sees_establishment(student["establishment"], student["region"]):
        return None  # the loan use-case reports the unknown student itself
    query = Campaign.select(
        Campaign.id, Campaign.kind, Campaign.class_names, Campaign.starts_on, Campaign.ends_on
    ).output(load_json=True)
    if campaign_id is not None:
        rows = await query.where(
            (Campaign.id == campaign_id) & (Campaign.establishment == student["establishment"])
        )
        if not rows:
            raise Invalid({"campaign_id": f"campagne n° {campaign_id} inconnue pour cet élève"})
    else:
        rows = await query.where(
            (Campaign.establishment == student["establishment"]) & (Campaign.kind == "distribution")
        )
    for row in rows:
        running = status_on(row["starts_on"], row["ends_on"], today) == "running"
        covers = not row["class_names"] or student["class_name"] in row["class_names"]
        if row["kind"] == "distribution" and running and covers:
            return row["id"]
    if campaign_id is not None:
        raise Invalid(
            {"campaign_id": "la campagne n'est pas une distribution en cours pour cet élève"}
        )
    return None
