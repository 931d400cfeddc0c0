"""Every scoped read of the API, with every persona: one table, one test.

Each resource of the table says how to make one object in lycée A of region 24 (or region 24
itself, for regional rows), the URLs that read it, the list that shows it, and who may read
it. Then every persona of tests/factories.py reads each URL:

- a role that may not read the resource at all gets 403 (the guard decides roles);
- a persona whose scope holds the object reads it (200) and finds it in the list;
- anyone else gets 404 on every URL and does not find it in the list (the scope decides rows:
  out of scope is answered exactly like absent).

A new resource gets its scope tests by being listed in RESOURCES.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from api.ent import connectors
from inventory import stocktakes
from inventory.tables import Asset
from labels.assignment import codes_for_assets
from loans import campaigns, ent_linking, loss_declarations, terms_versions
from loans.ent_identity import CAS, STUDENT, EntIdentity
from loans.tables import EntLinkProposal, Loan
from loans.terms import Paragraph
from tests.api.problems import assert_problem
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    World,
    active_loan,
    make_asset,
    make_student,
)
from tests.labels.test_scan import blank_label

PERSONAS = ("admin", "manager_24", "manager_44", "it_a", "it_b", "it_ab", "head_a")

# Who sees what.
EVERYONE = frozenset(PERSONAS)
SCHOOL_A = frozenset({"admin", "manager_24", "it_a", "it_ab", "head_a"})
# Rows of region 24 itself: its manager, and the staff of its schools (who read its name).
REGION_24 = SCHOOL_A | {"it_b"}
# Roles that a guard turns away (403), whatever the scope.
NOT_FLEET_EDITORS = frozenset({"head_a"})
NOT_REGION_WIDE = frozenset({"it_a", "it_b", "it_ab", "head_a"})
NOT_DESK = frozenset({"manager_24", "manager_44", "head_a"})

BLANK_CODE = "7K3M9QXH2T"


@dataclass(frozen=True)
class Listing:
    """Where the object shows: `url`, then the item whose `field` equals the made `key`."""

    url: str
    field: str
    key: str


@dataclass(frozen=True)
class Resource:
    name: str
    make: Callable[[World], Awaitable[dict]]  # the object's keys, for the URLs
    details: tuple[str, ...]  # URLs reading the object, formatted with `make`'s keys
    listing: Listing | None
    readers: frozenset[str]
    forbidden: frozenset[str] = frozenset()


# Makers: one object in lycée A of region 24 (or region 24 itself). ---------------------------


async def an_asset(world: World) -> dict:
    return {"tag": await make_asset("M-A1", UAI_A, world.model_id)}


async def a_labelled_asset(world: World) -> dict:
    await make_asset("M-A1", UAI_A, world.model_id)
    asset_id = (await Asset.select(Asset.id).where(Asset.tag == "M-A1").first())["id"]
    code = (await codes_for_assets(PLATFORM, [asset_id], NOW))[asset_id]
    return {"tag": "M-A1", "code": code}


async def a_blank_label(world: World) -> dict:
    await blank_label(BLANK_CODE, world.region_ids["24"])
    return {"code": BLANK_CODE}


async def school_a(world: World) -> dict:
    return {"uai": UAI_A, "id": world.establishment_ids["A"]}


async def region_24(world: World) -> dict:
    return {"code": "24"}


async def published_terms_24(world: World) -> dict:
    blocks = [Paragraph("Conditions de la Région.")]
    published = await terms_versions.publish_terms(PLATFORM, ACTOR, NOW, "24", blocks)
    return {"code": "24", "version": published.version}


async def the_model(world: World) -> dict:
    return {"id": world.model_id}


async def a_student(world: World) -> dict:
    return {"id": (await make_student("A")).id}


async def a_loan(world: World) -> dict:
    student_id = (await make_student("A")).id
    return {"id": await active_loan(world, "M-L1", UAI_A, student_id), "uai": UAI_A}


async def an_overdue_loan(world: World) -> dict:
    made = await a_loan(world)
    await Loan.update({Loan.due_on: dt.date(2026, 10, 1)}).where(Loan.id == made["id"])
    return made


async def a_campaign(world: World) -> dict:
    campaign = await campaigns.create_campaign(
        PLATFORM,
        ACTOR,
        NOW,
        establishment_uai=UAI_A,
        kind="distribution",
        name="Rentrée",
        starts_on=NOW.date(),
    )
    return {"id": campaign.id}


async def a_stocktake(world: World) -> dict:
    await make_asset("M-S1", UAI_A, world.model_id)
    return {"id": (await stocktakes.open_stocktake(PLATFORM, ACTOR, NOW, UAI_A)).id}


def _student_identity(key: str, student) -> EntIdentity:
    return EntIdentity(
        region_code="24",
        key=key,
        kind=STUDENT,
        method=CAS,
        last_name=student.last_name,
        first_name=student.first_name,
        birth_date=student.birth_date,
        uais=(UAI_A,),
    )


async def an_ent_link_proposal(world: World) -> dict:
    student = await make_student("A", ent_id=None)
    await ent_linking.access_for(_student_identity("K-PROPOSED", student), NOW)
    proposal = await EntLinkProposal.select(EntLinkProposal.id).first()
    return {"id": proposal["id"]}


async def a_loss_declaration(world: World) -> dict:
    student = await make_student("A", ent_id="K-DECLARES")
    loan_id = await active_loan(world, "M-D1", UAI_A, student.id)
    identity = _student_identity("K-DECLARES", student)
    access = await ent_linking.access_for(identity, NOW)
    declared = await loss_declarations.declare(
        access,
        identity,
        NOW,
        loan_id,
        kind="loss",
        incident_on=NOW.date(),
        circumstances="Oublié dans le bus.",
    )
    return {"id": declared.id}


async def an_ent_connector_24(world: World) -> dict:
    await connectors.save_connector(
        ACTOR,
        NOW,
        "24",
        connectors.Connector(
            region_id=world.region_ids["24"],
            region_code="24",
            enabled=True,
            protocol="cas3",
            server_url="https://ent.example.fr/cas",
            attribute_flavour="sdet",
            allowed_kinds=("student", "guardian"),
        ),
    )
    return {"code": "24"}


async def a_staff_account_of_school_a(world: World) -> dict:
    return {"id": world.account_ids["it_a"]}


async def a_location(world: World) -> dict:
    from tests.factories import make_location

    return {"id": await make_location(UAI_A, "Chariot M"), "uai": UAI_A}


REPORTS = ("overview", "fleet", "coverage", "loans", "incidents", "activity", "campaigns")


# The table. ----------------------------------------------------------------------------------

RESOURCES = (
    Resource(
        "location",
        a_location,
        ("/api/v1/locations/{id}", "/api/v1/establishments/{uai}/locations"),
        None,
        SCHOOL_A,
    ),
    Resource(
        "asset",
        an_asset,
        ("/api/v1/assets/{tag}", "/api/v1/assets/{tag}/history", "/api/v1/scan?code={tag}"),
        Listing("/api/v1/assets", "tag", "tag"),
        SCHOOL_A,
    ),
    Resource(
        "asset label",
        a_labelled_asset,
        ("/api/v1/assets/{tag}/label", "/api/v1/labels/{code}.svg"),
        None,
        SCHOOL_A - NOT_FLEET_EDITORS,
        forbidden=NOT_FLEET_EDITORS,
    ),
    Resource(
        "scanned label",
        a_labelled_asset,
        ("/api/v1/scan?code={code}",),
        None,
        SCHOOL_A,
    ),
    Resource(
        "blank label of region 24",
        a_blank_label,
        ("/api/v1/scan?code={code}",),
        None,
        REGION_24,
    ),
    Resource(
        "establishment",
        school_a,
        ("/api/v1/establishments/{uai}",),
        Listing("/api/v1/establishments", "uai", "uai"),
        SCHOOL_A,
    ),
    Resource(
        "region",
        region_24,
        ("/api/v1/regions/{code}",),
        Listing("/api/v1/regions", "code", "code"),
        REGION_24,
    ),
    Resource(
        "loan policy",
        region_24,
        ("/api/v1/regions/{code}/policy", "/api/v1/regions/{code}/policy/history"),
        None,
        REGION_24,
    ),
    Resource(
        "loan terms of region 24",
        region_24,
        (
            "/api/v1/regions/{code}/terms/current",
            "/api/v1/regions/{code}/terms/1",
            "/api/v1/regions/{code}/terms",
        ),
        None,
        REGION_24,
    ),
    Resource(
        "published loan terms of region 24",
        published_terms_24,
        ("/api/v1/regions/{code}/terms/{version}", "/api/v1/regions/{code}/terms/current"),
        None,
        REGION_24,
    ),
    Resource(
        "device model (shared catalogue)",
        the_model,
        ("/api/v1/device-models/{id}",),
        Listing("/api/v1/device-models", "id", "id"),
        EVERYONE,
    ),
    Resource(
        "student",
        a_student,
        ("/api/v1/students/{id}",),
        Listing("/api/v1/students", "id", "id"),
        SCHOOL_A,
    ),
    Resource(
        "loan",
        a_loan,
        (
            "/api/v1/loans/{id}",
            "/api/v1/loans/{id}/history",
            "/api/v1/loans/{id}/photos",
            "/api/v1/loans/{id}/agreement",
            "/api/v1/loans/{id}/documents",
        ),
        Listing("/api/v1/loans", "id", "id"),
        SCHOOL_A,
    ),
    Resource(
        "overdue loan",
        an_overdue_loan,
        ("/api/v1/loans/overdue?establishment={uai}",),
        Listing("/api/v1/loans/overdue", "loan_id", "id"),
        SCHOOL_A,
    ),
    Resource(
        "overdue loans of region 24",
        region_24,
        ("/api/v1/regions/{code}/overdue",),
        None,
        REGION_24 - NOT_REGION_WIDE,
        forbidden=NOT_REGION_WIDE,
    ),
    Resource(
        "campaign",
        a_campaign,
        (
            "/api/v1/campaigns/{id}",
            "/api/v1/campaigns/{id}/progress",
            "/api/v1/campaigns/{id}/todo",
        ),
        Listing("/api/v1/campaigns", "id", "id"),
        SCHOOL_A,
    ),
    Resource(
        "reports of region 24 (staff of its schools: their part)",
        region_24,
        tuple(f"/api/v1/reports/{name}?region={{code}}" for name in REPORTS),
        None,
        REGION_24,
    ),
    Resource(
        "reports of lycée A",
        school_a,
        tuple(f"/api/v1/reports/{name}?establishment={{uai}}" for name in REPORTS),
        None,
        SCHOOL_A,
    ),
    Resource(
        "stocktake",
        a_stocktake,
        ("/api/v1/stocktakes/{id}", "/api/v1/stocktakes/{id}/report.csv"),
        Listing("/api/v1/stocktakes", "id", "id"),
        SCHOOL_A,
    ),
    Resource(
        "ENT link proposal",
        an_ent_link_proposal,
        (),
        Listing("/api/v1/ent-link-proposals", "id", "id"),
        SCHOOL_A,
    ),
    Resource(
        "loss declaration from the space",
        a_loss_declaration,
        (),
        Listing("/api/v1/loss-declarations", "id", "id"),
        SCHOOL_A - NOT_DESK,
        forbidden=NOT_DESK,
    ),
    Resource(
        "ENT connector of region 24",
        an_ent_connector_24,
        ("/api/v1/regions/{code}/ent-connector", "/api/v1/regions/{code}/ent-links"),
        None,
        frozenset({"admin"}),
        forbidden=EVERYONE - {"admin"},
    ),
    Resource(
        "staff account of lycée A",
        a_staff_account_of_school_a,
        (
            "/api/v1/accounts/{id}",
            "/api/v1/accounts/{id}/history",
            "/api/v1/accounts/{id}/sign-ins",
        ),
        Listing("/api/v1/accounts", "id", "id"),
        frozenset({"admin", "manager_24"}),
        forbidden=NOT_REGION_WIDE,
    ),
)


def expected_status(resource: Resource, persona: str) -> int:
    if persona in resource.forbidden:
        return 403
    return 200 if persona in resource.readers else 404


def _items(body) -> list[dict]:
    return body["items"] if isinstance(body, dict) else body


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.name)
async def test_a_persona_reads_a_resource_exactly_when_it_is_in_their_scope(
    as_, world, resource: Resource, persona: str
):
    made = await resource.make(world)
    client = as_(persona)
    expected = expected_status(resource, persona)
    for template in resource.details:
        url = template.format(**made)
        response = await client.get(url)
        if expected == 200:
            assert response.status_code == 200, (url, response.text)
        else:
            assert_problem(response, expected)
    if resource.listing is None:
        return
    listing = resource.listing
    response = await client.get(listing.url)
    if expected == 403:
        assert_problem(response, 403)
        return
    assert response.status_code == 200, (listing.url, response.text)
    shown = [item[listing.field] for item in _items(response.json())]
    assert (made[listing.key] in shown) == (expected == 200), (listing.url, shown)


def test_no_persona_is_both_a_reader_and_turned_away_by_a_guard():
    for resource in RESOURCES:
        assert resource.readers <= EVERYONE and resource.forbidden <= EVERYONE, resource.name
        assert not resource.readers & resource.forbidden, resource.name
