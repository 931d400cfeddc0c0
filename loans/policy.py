"""Region policy: when loans end, how many a student may hold, cession, accessories, co-signing,
and how long personal data, photos and evidence are kept (`loans.retention_rules`).

One `region_policy` row per region, created with the defaults on first read. Every change
writes a `policy_event` (actor snapshot, {field: [before, after]}) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from inventory import keyset
from inventory.db import for_update, is_unique_violation, write_transaction
from inventory.errors import Invalid, NotFound
from inventory.history import jsonable
from inventory.reference_pages import CountedPage
from inventory.regions import get_region
from inventory.scope import Actor, Scope
from inventory.tables import DeviceModel
from loans.retention_rules import FIELDS as RETENTION_FIELDS
from loans.retention_rules import check_retention_fields
from loans.students import normalise_class
from loans.tables import PolicyEvent, RegionPolicy
from loans.views import PolicyEventView, PolicyView

END_RULES = {"school_year": "fin de l'année scolaire", "cycle": "fin du cycle au lycée"}
DEFAULT_YEAR_END = (7, 4)  # (month, day) when `school_year_end` is not set: 4 July
MAX_OPEN = 5
MAX_ACCESSORIES = 20
ACCESSORY_LENGTH = 60
EDITABLE = (
    "end_rule",
    "school_year_end",
    "max_open_per_category",
    "cession_allowed",
    "accessories_by_model",
    "guardian_cosign_for_minors",
    *RETENTION_FIELDS,
)

_COLUMNS = (
    RegionPolicy.id,
    RegionPolicy.region.code.as_alias("region_code"),
    *(getattr(RegionPolicy, name) for name in EDITABLE),
    RegionPolicy.updated_at,
)


# Reading ----------------------------------------------------------------------------------


async def _row(region_id: int, *, lock: bool = False) -> dict | None:
    query = (
        RegionPolicy.select(*_COLUMNS)
        .where(RegionPolicy.region == region_id)
        .output(load_json=True)
    )
    rows = await (for_update(query, RegionPolicy) if lock else query)
    return rows[0] if rows else None


def _view(row: dict) -> PolicyView:
    return PolicyView(**{key: value for key, value in row.items() if key != "id"})


async def policy_for_region(region_id: int, now: dt.datetime | None = None) -> PolicyView:
    """The policy of a region, created with the defaults if it has none yet. No scope: for
    use-cases that already checked theirs (a hand-over reads its student's region policy)."""
    row = await _row(region_id)
    if row is None:
        defaults: dict[str, Any] = {} if now is None else {"updated_at": now}
        try:
            async with write_transaction():
                await RegionPolicy.insert(RegionPolicy(region=region_id, **defaults))
        except Exception as error:
            if not is_unique_violation(error):  # else a concurrent first read created it
                raise
        row = await _row(region_id)
        assert row is not None  # inserted above, here or concurrently
    return _view(row)


async def get_policy(scope: Scope, region_code: str, now: dt.datetime | None = None) -> PolicyView:
    """Readable by everyone whose scope sees the region (its staff, its manager, admins)."""
    region = await get_region(scope, region_code)
    return await policy_for_region(region.id, now)


# Newest first, by id (append order); a region changes its rules a few times a year.
HISTORY_SORT, HISTORY_KEYS = "policy_history", (keyset.Key(PolicyEvent.id, descending=True),)


async def policy_history_page(
    scope: Scope, region_code: str, *, limit: int, cursor: str | None = None
) -> CountedPage[PolicyEventView]:
    """A page of the region's policy changes, newest first, after (or before) `cursor`."""
    after = keyset.decode(cursor, HISTORY_SORT, HISTORY_KEYS)
    region = await get_region(scope, region_code)

    def select():
        return (
            PolicyEvent.select(
                PolicyEvent.id, PolicyEvent.at, PolicyEvent.actor_name, PolicyEvent.changes
            )
            .where(PolicyEvent.region == region.id)
            .output(load_json=True)
        )

    found = await keyset.fetch_page(select, HISTORY_SORT, HISTORY_KEYS, after, limit)
    total, exact = await keyset.capped_count(select())
    views = [PolicyEventView(**{k: v for k, v in row.items() if k != "id"}) for row in found.rows]
    return CountedPage(views, total, exact, found.next_cursor, found.previous_cursor)


async def policy_history(scope: Scope, region_code: str) -> list[PolicyEventView]:
    region = await get_region(scope, region_code)
    rows = await (
        PolicyEvent.select(PolicyEvent.at, PolicyEvent.actor_name, PolicyEvent.changes)
        .where(PolicyEvent.region == region.id)
        .order_by(PolicyEvent.id, ascending=False)  # append order, newest first
        .output(load_json=True)
    )
    return [PolicyEventView(**row) for row in rows]


# Writing ----------------------------------------------------------------------------------


async def _accessories(value, errors: dict) -> dict[str, list[str]]:
    """{model id: [names]} with ids as text (JSON keys), names trimmed and deduplicated."""
    if not isinstance(value, dict):
        errors["accessories_by_model"] = "objet attendu : {identifiant de modèle: [noms]}"
        return {}
    result: dict[str, list[str]] = {}
    for key, names in value.items():
        model = str(key).strip()
        if not model.isdigit() or not 0 < int(model) < 2**31:
            errors["accessories_by_model"] = f"identifiant de modèle invalide : {key}"
            return {}
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            errors["accessories_by_model"] = f"modèle {model} : liste de noms attendue"
            return {}
        cleaned = list(dict.fromkeys(" ".join(n.split()) for n in names))
        if any(not n or len(n) > ACCESSORY_LENGTH for n in cleaned):
            errors["accessories_by_model"] = (
                f"modèle {model} : chaque accessoire se nomme en 1 à {ACCESSORY_LENGTH} caractères"
            )
            return {}
        if len(cleaned) > MAX_ACCESSORIES:
            errors["accessories_by_model"] = (
                f"modèle {model} : {MAX_ACCESSORIES} accessoires au plus"
            )
            return {}
        result[str(int(model))] = cleaned
    if result:
        ids = [int(model) for model in result]
        found = {
            r["id"]
            for r in await DeviceModel.select(DeviceModel.id).where(DeviceModel.id.is_in(ids))
        }
        if missing := sorted(set(ids) - found):
            errors["accessories_by_model"] = "modèle(s) inconnu(s) du catalogue : " + ", ".join(
                map(str, missing)
            )
    return result


async def check_policy_fields(fields: dict) -> dict:
    """Normalise, in place, the policy fields present; raise Invalid naming each bad one."""
    errors: dict[str, str] = {}
    if "end_rule" in fields and fields["end_rule"] not in END_RULES:
        errors["end_rule"] = "règle inconnue ; valeurs possibles : " + ", ".join(END_RULES)
    if "school_year_end" in fields:
        end = fields["school_year_end"]
        if end is not None and (not isinstance(end, dt.date) or not 2000 <= end.year <= 2100):
            errors["school_year_end"] = "date de fin d'année scolaire invalide"
    if "max_open_per_category" in fields:
        value = fields["max_open_per_category"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_OPEN:
            errors["max_open_per_category"] = f"nombre entier entre 1 et {MAX_OPEN}"
    for name in ("cession_allowed", "guardian_cosign_for_minors"):
        if name in fields and not isinstance(fields[name], bool):
            errors[name] = "vrai ou faux attendu"
    if "accessories_by_model" in fields:
        fields["accessories_by_model"] = await _accessories(fields["accessories_by_model"], errors)
    check_retention_fields(fields, errors)
    if errors:
        raise Invalid(errors)
    return fields


async def update_policy(
    scope: Scope, actor: Actor, now: dt.datetime, region_code: str, changes: dict
) -> PolicyView:
    """Change some fields of the region's policy (region manager of that region, or admin).
    Fields left out keep their value; an unchanged value writes no event."""
    region = await get_region(scope, region_code)
    if not scope.manages_region(region.id):
        raise NotFound(f"Politique de la région {region_code} introuvable.")
    wanted = await check_policy_fields({key: changes[key] for key in EDITABLE if key in changes})
    await policy_for_region(region.id, now)  # the row to update exists from here on
    async with write_transaction():
        current = await _row(region.id, lock=True)
        assert current is not None  # created by policy_for_region above
        diff = {
            key: [current[key], value] for key, value in wanted.items() if value != current[key]
        }
        if diff:
            values = {key: after for key, (_, after) in diff.items()}
            await RegionPolicy.update({**values, "updated_at": now}).where(
                RegionPolicy.id == current["id"]
            )
            await PolicyEvent.insert(
                PolicyEvent(
                    region=region.id,
                    at=now,
                    actor_id=actor.id,
                    actor_name=actor.name,
                    changes={k: [jsonable(a), jsonable(b)] for k, (a, b) in diff.items()},
                )
            )
    return await policy_for_region(region.id)


# Due dates --------------------------------------------------------------------------------


def _year_end(policy: PolicyView, year: int) -> dt.date:
    month, day = (
        (policy.school_year_end.month, policy.school_year_end.day)
        if policy.school_year_end
        else DEFAULT_YEAR_END
    )
    try:
        return dt.date(year, month, day)
    except ValueError:  # a 29 February end in a common year
        return dt.date(year, month, 28)


def cycle_years(class_name: str) -> int:
    """School years left in the student's lycée cycle, the current one included.

    2NDE… (seconde, générale or professionnelle) 3; 1… (première, 1re année de CAP or BTS) 2;
    T… (terminale) 1. CAP and BTS last two years: "1CAP"/"CAP1" and "1BTS"/"BTS1…" 2, any
    other CAP or BTS class 1. Anything else, an empty class included, 1: the loan then ends
    with the school year and can be extended, rather than run on for years by mistake.
    """
    name = normalise_class(class_name)
    for course in ("CAP", "BTS"):
        if course in name:
            return 2 if name.startswith(("1", course + "1")) else 1
    if name.startswith(("2", "SECONDE")):
        return 3
    if name.startswith(("1", "PREMIERE")):
        return 2
    return 1


def due_date(policy: PolicyView, student_class_name: str, today: dt.date) -> dt.date:
    """When a loan made `today` ends under the region's policy.

    A school year ends on the policy's `school_year_end` day and month (4 July when unset);
    from the day after, dates belong to the next school year (a hand-over in August is for the
    coming year, with the coming year's class).
    - `school_year`: `school_year_end` itself when set and not past; else the end of the
      current school year (a date left from last year rolls over to this year's same day).
    - `cycle`: the end of the school year in which the student's lycée cycle ends
      (see `cycle_years`): a 2NDE3 student handed a laptop in September 2026 keeps it until
      the end of the 2028-2029 school year.
    """
    if (
        policy.end_rule == "school_year"
        and policy.school_year_end is not None
        and policy.school_year_end >= today
    ):
        return policy.school_year_end
    ends_this_year = _year_end(policy, today.year)
    current_end_year = today.year if today <= ends_this_year else today.year + 1
    years = cycle_years(student_class_name) if policy.end_rule == "cycle" else 1
    return _year_end(policy, current_end_year + years - 1)


def accessories_for(policy: PolicyView, model_id: int, model_accessories: list[str]) -> list[str]:
    """What goes with a device of this model: the region's list for it, else the model's own."""
    by_model = policy.accessories_by_model or {}
    return list(by_model.get(str(model_id), model_accessories or []))
