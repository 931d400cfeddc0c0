"""Demo data: one region, a few lycées, device models, a few thousand assets and one
account per role. Loaded through the same use-cases as real data (the asset import)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from api.accounts import staff as accounts
from api.demo_life import load_demo_life
from api.demo_loans import demo_student, load_demo_loans
from inventory import asset_import, catalogue, regions
from inventory.csv_format import COLUMNS, DELIMITER, format_date
from inventory.scope import Actor, Scope
from inventory.tables import Region
from inventory.uai import CHECK_LETTERS
from loans.sealing import SealKey
from loans.storage import Storage

REGION = ("24", "Centre-Val de Loire")
LYCEES = (
    ("0450051", "Lycée Pothier", "Orléans"),
    ("0450062", "Lycée Jean Zay", "Orléans"),
    ("0370035", "Lycée Descartes", "Tours"),
    ("0180005", "Lycée Alain-Fournier", "Bourges"),
)
# Who signs the conventions for each lycée (invented names).
HEADS = ("Mme Hélène Marchand", "M. Julien Perrot", "Mme Sophie Lefèvre", "M. Karim Benali")
MODELS = (
    ("Lenovo", "ThinkPad E14 Gen 5", "laptop", ["chargeur", "housse"]),
    ("HP", "ProBook 440 G10", "laptop", ["chargeur", "sacoche"]),
    ("Samsung", "Galaxy Tab A9+", "tablet", ["chargeur", "coque", "stylet"]),
    ("Huawei", "E5576 4G", "hotspot", ["câble USB"]),
)
# Demo passwords are printed on purpose: this is a local demonstration database.
ACCOUNTS = (
    ("admin@demo.ordipret.fr", "admin", "Alice Administratrice"),
    ("region@demo.ordipret.fr", "region_manager", "Romain Gestionnaire"),
    ("numerique@demo.ordipret.fr", "it_staff", "Inès Référente"),
    ("proviseur@demo.ordipret.fr", "head", "Paul Proviseur"),
    ("dpd@demo.ordipret.fr", "dpo", "Diane Déléguée"),
)
DEMO_PASSWORD = "demo-ordipret-2026"
ACTOR = Actor(id=None, name="Données de démonstration")


def uai(digits: str) -> str:
    return digits + CHECK_LETTERS[int(digits) % 23]


def asset_csv(count: int, seed: int = 24, tag_prefix: str = "CVL") -> bytes:
    """`count` plausible assets spread over the demo lycées, as an import file."""
    rng = random.Random(seed)
    lines = [DELIMITER.join(COLUMNS)]
    states = ["in_stock"] * 12 + ["in_repair", "lost", "stolen", "retired"]
    for number in range(1, count + 1):
        manufacturer, model, _, _ = rng.choice(MODELS)
        acquired = dt.date(2023, 8, 1) + dt.timedelta(days=rng.randrange(0, 700))
        row = [
            f"{tag_prefix}-{number:06d}",
            f"{manufacturer[:2].upper()}{rng.randrange(16**8):08X}",
            manufacturer,
            model,
            uai(rng.choice(LYCEES)[0]),
            REGION[0],
            rng.choice(states),
            rng.choice("AAABBC"),
            format_date(acquired),
            format_date(acquired + dt.timedelta(days=3 * 365)),
            "",
        ]
        lines.append(DELIMITER.join(row))
    return ("\n".join(lines) + "\n").encode()


async def demo_loaded() -> bool:
    return await Region.exists().where(Region.code == REGION[0])


async def load_demo(
    now: dt.datetime,
    asset_count: int = 3000,
    progress: Callable[[int, int], None] | None = None,
    *,
    loans: tuple[Storage, SealKey, str] | None = None,
) -> list[tuple[str, str, str]]:
    """Create the demo data; return (email, password, role label) of each demo account.
    With `loans` (the document storage, the seal, the public URL): students and loans at
    every step of a convention (`api.demo_loans`)."""
    platform = Scope.platform()
    await regions.create_region(platform, *REGION)
    for (digits, name, city), head in zip(LYCEES, HEADS, strict=True):
        await regions.create_establishment(
            platform,
            uai=uai(digits),
            name=name,
            city=city,
            region_code=REGION[0],
            contact_email=f"numerique.{uai(digits).lower()}@ac-orleans-tours.fr",
            contact_phone="02 38 00 00 00",
        )
        await regions.update_establishment(platform, uai(digits), {"head_name": head})
    for manufacturer, name, category, accessories in MODELS:
        await catalogue.create_device_model(
            platform,
            manufacturer=manufacturer,
            name=name,
            category=category,
            accessories=accessories,
        )
    report = await asset_import.import_assets(
        platform, ACTOR, now, asset_csv(asset_count), dry_run=False, progress=progress
    )
    if report.errors:
        raise RuntimeError(f"demo data rejected: {report.errors[:3]}")
    logins = []
    school = uai(LYCEES[0][0])
    for email, role, name in ACCOUNTS:
        await accounts.create_account(
            email=email,
            password=DEMO_PASSWORD,
            role=role,
            display_name=name,
            region_code=REGION[0] if role in accounts.REGIONAL_ROLES else None,
            establishment_uais=[school] if role in ("it_staff", "head") else None,
            now=now,
        )
        logins.append((email, DEMO_PASSWORD, accounts.ROLES[role]))
    if loans is not None:
        await load_demo_loans(*loans, ACTOR, now, school)
        await load_demo_life(demo_student, ACTOR, now, school, uai(LYCEES[1][0]))
    return logins
