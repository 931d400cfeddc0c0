"""The test factories: the persona world, accounts, devices, students and loans.

Region 24 (Centre-Val de Loire) has lycée A and lycée B; region 44 (Grand Est) has lycée C.
Personas: admin, manager_24, manager_44, it_a (IT staff of A), it_b (IT staff of B),
it_ab (IT staff of both A and B), head_a (head of A).

Everything but accounts is made through the domain's own use-cases, as the platform.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from argon2 import PasswordHasher, profiles

from api.accounts import staff as accounts
from api.accounts.tables import Account, AccountEstablishment
from inventory import assets, catalogue, regions
from inventory.scope import Actor, Scope
from inventory.uai import CHECK_LETTERS
from loans import lifecycle, students
from loans.ent_identity import CAS, STUDENT, EntIdentity
from loans.views import StudentView

NOW = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
PASSWORD = "mot-de-passe-de-test"
PLATFORM = Scope.platform()
ACTOR = Actor(id=None, name="Fabrique de test")
# The app verifies with the parameters stored in the hash: test accounts get argon2's
# cheapest profile, so that a test login does not pay production's deliberate slowness.
_PASSWORD_HASH = PasswordHasher.from_parameters(profiles.CHEAPEST).hash(PASSWORD)
_serials = itertools.count(1)
_students = itertools.count(1)


def uai(digits: str) -> str:
    """A valid UAI from its 7 digits."""
    return digits + CHECK_LETTERS[int(digits) % 23]


UAI_A, UAI_B, UAI_C = uai("0450001"), uai("0450002"), uai("0570001")
SCHOOLS = {"A": UAI_A, "B": UAI_B, "C": UAI_C}  # lycée A, B and C of the world


@dataclass
class World:
    region_ids: dict[str, int] = field(default_factory=dict)
    establishment_ids: dict[str, int] = field(default_factory=dict)
    model_id: int = 0
    account_ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


async def make_account(
    email: str, role: str, region_id: int | None = None, establishment_ids: tuple[int, ...] = ()
) -> int:
    row = (
        await Account.insert(
            Account(
                email=email,
                display_name=email.split("@")[0],
                password_hash=_PASSWORD_HASH,
                role=role,
                region=region_id,
                created_at=NOW,
            )
        ).returning(Account.id)
    )[0]
    for establishment_id in establishment_ids:
        await AccountEstablishment.insert(
            AccountEstablishment(account=row["id"], establishment=establishment_id)
        )
    return row["id"]


async def make_asset(tag: str, establishment_uai: str | None, model_id: int, **fields) -> str:
    values = {"tag": tag, "serial": f"SN{next(_serials):08d}", "model_id": model_id, **fields}
    if establishment_uai:
        values["establishment_uai"] = establishment_uai
    await assets.create_asset(PLATFORM, ACTOR, NOW, values)
    return tag


async def make_world() -> World:
    world = World()
    for code, name in (("24", "Centre-Val de Loire"), ("44", "Grand Est")):
        world.region_ids[code] = (await regions.create_region(PLATFORM, code, name)).id
    for key, code, city in (("A", UAI_A, "Orléans"), ("B", UAI_B, "Tours"), ("C", UAI_C, "Metz")):
        region = "44" if key == "C" else "24"
        created = await regions.create_establishment(
            PLATFORM,
            uai=code,
            name=f"Lycée {key}",
            city=city,
            region_code=region,
            contact_email=f"numerique@lycee-{key.lower()}.fr",
        )
        world.establishment_ids[key] = created.id
    model = await catalogue.create_device_model(
        PLATFORM,
        manufacturer="Lenovo",
        name="ThinkPad E14",
        category="laptop",
        accessories=["chargeur", "housse"],
    )
    world.model_id = model.id
    e = world.establishment_ids
    personas = {
        "admin": ("admin", None, ()),
        "manager_24": ("region_manager", world.region_ids["24"], ()),
        "manager_44": ("region_manager", world.region_ids["44"], ()),
        "it_a": ("it_staff", None, (e["A"],)),
        "it_b": ("it_staff", None, (e["B"],)),
        "it_ab": ("it_staff", None, (e["A"], e["B"])),
        "head_a": ("head", None, (e["A"],)),
    }
    for name, (role, region_id, establishment_ids) in personas.items():
        account_id = await make_account(f"{name}@ordipret.test", role, region_id, establishment_ids)
        world.account_ids[name] = account_id
        _, world.tokens[name] = await accounts.create_token(account_id, "tests", NOW)
    return world


def scope_of(world: World, persona: str) -> Scope:
    """The scope the API gives a persona of the world."""
    e, r = world.establishment_ids, world.region_ids
    return {
        "admin": Scope.platform(),
        "manager_24": Scope.region(r["24"]),
        "manager_44": Scope.region(r["44"]),
        "it_a": Scope.establishments({e["A"]: r["24"]}),
        "it_b": Scope.establishments({e["B"]: r["24"]}),
        "it_ab": Scope.establishments({e["A"]: r["24"], e["B"]: r["24"]}),
        "head_a": Scope.establishments({e["A"]: r["24"]}),
    }[persona]


# Students and loans


def student_fields(school: str = "A", **fields) -> dict:
    """Valid fields for `students.create_student`: a 16-year-old in 2NDE3 at lycée `school`
    ("A", "B" or "C"), with a name and an ENT id of their own. `fields` override any of them
    (`establishment_uai` included) and may add `ine` and `guardians`."""
    n = next(_students)
    return {
        "establishment_uai": SCHOOLS[school],
        "ent_id": f"ENT{n:05d}",
        "last_name": f"Élève{n}",
        "first_name": "Camille",
        "birth_date": dt.date(2010, 3, 14),
        "class_name": "2NDE3",
        **fields,
    }


def guardian_fields(**fields) -> dict:
    return {
        "last_name": "Martin",
        "first_name": "Claire",
        "email": "claire.martin@example.fr",
        "phone": "06 12 34 56 78",
        "legal_authority": True,
        **fields,
    }


async def make_student(
    school: str = "A", *, scope: Scope = PLATFORM, left_on: dt.date | None = None, **fields
) -> StudentView:
    """A student of lycée `school`, created by `scope` (students.create_student: the fields
    are validated). `left_on`: the student has left on that day (students.mark_left).
    Tests that only need a student for a loan take its `.id`."""
    student = await students.create_student(scope, ACTOR, NOW, student_fields(school, **fields))
    if left_on is not None:
        student = await students.mark_left(scope, ACTOR, NOW, student.id, left_on)
    return student


async def active_loan(world: World, tag: str, uai: str, student_id: int) -> int:
    """A device handed over to the student, agreement signed on paper."""
    await make_asset(tag, uai, world.model_id)
    loan_id = await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag=tag, student_id=student_id, max_open_per_category=1
    )
    await lifecycle.record_paper_signature(PLATFORM, ACTOR, NOW, loan_id, NOW.date())
    await lifecycle.hand_over(PLATFORM, ACTOR, NOW, loan_id, ["chargeur"], dt.date(2027, 7, 4))
    return loan_id


def ent_identity(key: str = "K-1", kind: str = STUDENT, method: str = CAS, **changes):
    """Who an ENT says someone is (a student of lycée A by default), as the sign-in puts it in
    the session."""
    values = dict(
        region_code="24",
        key=key,
        kind=kind,
        method=method,
        last_name="Dupont",
        first_name="Léa",
        birth_date=dt.date(2010, 3, 14),
        uais=(UAI_A,),
    )
    values.update(changes)
    return EntIdentity(**values)


async def make_location(uai: str, name: str, kind: str = "cart", *tags: str) -> int:
    """A location of the school (inventory.locations), holding the devices `tags` (moved
    there by the platform, each with its history event)."""
    from inventory import locations

    made = await locations.create_location(PLATFORM, ACTOR, NOW, uai, name, kind)
    for tag in tags:
        await locations.move_asset(PLATFORM, ACTOR, NOW, made.id, tag)
    return made.id
