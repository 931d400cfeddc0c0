"""Campaigns and overdue loans through the JSON API and the pages, persona by persona."""

from __future__ import annotations

import datetime as dt
import re

from api.clock import utcnow
from loans import lifecycle
from loans.minors import paris_day
from tests.api.problems import assert_problem
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    UAI_B,
    active_loan,
    make_asset,
    make_student,
)

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def today() -> dt.date:
    return paris_day(utcnow())  # the API reads the clock


def body(**fields) -> dict:
    return {
        "establishment_uai": UAI_A,
        "kind": "distribution",
        "name": "Rentrée",
        "starts_on": (today() - dt.timedelta(days=1)).isoformat(),
        "class_names": ["2nde3"],
        **fields,
    }


async def create(client, **fields) -> dict:
    response = await client.post("/api/v1/campaigns", json=body(**fields))
    assert response.status_code == 201, response.text
    return response.json()


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_it_staff_create_a_campaign_that_only_their_scope_sees(as_):
    created = await create(as_("it_a"))
    assert (created["class_names"], created["status"], created["establishment"]["uai"]) == (
        ["2NDE3"],
        "running",
        UAI_A,
    )
    path = f"/api/v1/campaigns/{created['id']}"
    for persona in ("it_a", "head_a", "manager_24", "admin"):
        assert (await as_(persona).get(path)).status_code == 200, persona
    for persona in ("it_b", "manager_44"):
        assert_problem(await as_(persona).get(path), 404)
    listed = (await as_("manager_44").get("/api/v1/campaigns")).json()
    assert listed["total"] == 0
    assert (await as_("manager_24").get("/api/v1/campaigns?status=running")).json()["total"] == 1


async def test_a_head_of_school_reads_but_does_not_run_campaigns(as_):
    assert_problem(await as_("head_a").post("/api/v1/campaigns", json=body()), 403)
    created = await create(as_("it_a"))
    path = f"/api/v1/campaigns/{created['id']}"
    assert_problem(await as_("head_a").patch(path, json={"name": "Autre"}), 403)
    assert_problem(await as_("head_a").post(f"{path}/close"), 403)


async def test_a_wrong_campaign_names_each_field_in_french(as_):
    response = await as_("it_a").post(
        "/api/v1/campaigns", json=body(kind="prêt", name="  ", class_names=["2/3"])
    )
    problem = assert_problem(response, 422, "kind", "name", "class_names")
    assert "obligatoire" in problem["detail"]
    later = body(ends_on=(today() - dt.timedelta(days=3)).isoformat())
    assert_problem(await as_("it_a").post("/api/v1/campaigns", json=later), 422, "ends_on")
    assert_problem(
        await as_("it_a").post("/api/v1/campaigns", json=body(starts_on="31/12/2026")),
        400,
        "starts_on",
    )
    assert_problem(
        await as_("it_a").post("/api/v1/campaigns", json=body(colour="bleu")), 400, "colour"
    )
    assert_problem(
        await as_("it_a").post("/api/v1/campaigns", json=body(establishment_uai=UAI_B)),
        422,
        "establishment_uai",
    )


async def test_an_overlapping_campaign_is_a_conflict(as_):
    await create(as_("it_a"))
    response = await as_("it_a").post("/api/v1/campaigns", json=body(name="Bis"))
    assert_problem(response, 409, "starts_on")


async def test_progress_and_todo_follow_the_loans(as_, world):
    created = await create(as_("it_a"))
    equipped = (await make_student(last_name="Équipé")).id
    await active_loan(world, "P-1", UAI_A, equipped)
    waiting = (await make_student(last_name="Attente")).id
    await make_asset("P-2", UAI_A, world.model_id)
    await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag="P-2", student_id=waiting, max_open_per_category=1
    )
    for n in range(3):
        await make_student(last_name=f"Sans{n}")
    path = f"/api/v1/campaigns/{created['id']}"
    progress = (await as_("head_a").get(f"{path}/progress")).json()
    assert progress["counts"] == {"handed_over": 1, "signed": 0, "prepared": 1, "missing": 3}
    assert (progress["total"], progress["done"], progress["unit"]) == (5, 1, "students")
    todo = (await as_("it_a").get(f"{path}/todo?limit=2&offset=0")).json()
    assert (todo["total"], [i["last_name"] for i in todo["items"]]) == (4, ["Attente", "Sans0"])
    assert todo["items"][0]["todo"] == "Faire signer la convention"
    assert todo["items"][0]["loans"][0]["asset_tag"] == "P-2"
    everyone = (await as_("it_a").get(f"{path}/todo?status=all")).json()
    assert everyone["total"] == 5
    assert_problem(await as_("it_a").get(f"{path}/todo?status=rendu"), 422, "status")
    assert_problem(await as_("it_a").get(f"{path}/todo?limit=5000"), 400, "limit")
    assert_problem(await as_("it_b").get(f"{path}/progress"), 404)


async def test_a_campaign_is_edited_then_closed_once(as_):
    created = await create(as_("it_a"))
    path = f"/api/v1/campaigns/{created['id']}"
    edited = await as_("it_a").patch(path, json={"name": "Rentrée 2026", "class_names": []})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["class_names"]) == ("Rentrée 2026", [])
    assert_problem(await as_("it_a").patch(path, json={"kind": "collection"}), 400, "kind")
    closed = await as_("it_a").post(f"{path}/close")
    assert (closed.status_code, closed.json()["ends_on"]) == (200, today().isoformat())
    assert_problem(await as_("it_a").post(f"{path}/close"), 409, "ends_on")


async def overdue_loan(world, tag: str, school: str = "A") -> None:
    """A device handed over and due three days ago."""
    student = (await make_student(school)).id
    await make_asset(tag, UAI_A if school == "A" else UAI_B, world.model_id)
    loan_id = await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag=tag, student_id=student, max_open_per_category=1
    )
    await lifecycle.record_paper_signature(PLATFORM, ACTOR, NOW, loan_id, NOW.date())
    due = today() - dt.timedelta(days=3)
    await lifecycle.hand_over(PLATFORM, ACTOR, NOW, loan_id, [], due)


async def test_overdue_loans_per_school_and_per_region(as_, world):
    await overdue_loan(world, "OV-A")
    await overdue_loan(world, "OV-B", "B")
    await active_loan(world, "OK-A", UAI_A, (await make_student()).id)  # due next July
    mine = (await as_("it_a").get(f"/api/v1/loans/overdue?establishment={UAI_A}")).json()
    assert [(i["asset_tag"], i["days_overdue"]) for i in mine["items"]] == [("OV-A", 3)]
    assert (await as_("it_ab").get("/api/v1/loans/overdue")).json()["total"] == 2
    assert_problem(await as_("it_a").get(f"/api/v1/loans/overdue?establishment={UAI_B}"), 404)
    region = (await as_("manager_24").get("/api/v1/regions/24/overdue")).json()
    assert (region["loans"], region["students"]) == (2, 2)
    assert {e["uai"]: e["loans"] for e in region["establishments"]} == {UAI_A: 1, UAI_B: 1}
    assert "items" not in region  # no names at region level
    assert_problem(await as_("manager_44").get("/api/v1/regions/24/overdue"), 404)
    assert_problem(await as_("it_a").get("/api/v1/regions/24/overdue"), 403)


# Pages


async def test_the_campaign_page_shows_progress_bars_with_numbers_and_the_todo(
    as_, world, signed_in
):
    created = await create(as_("it_a"))
    await active_loan(world, "PG-1", UAI_A, (await make_student(last_name="Alpha")).id)
    await make_student(last_name="Bêta")
    client = await signed_in("it_a")
    page = await client.get(f"/campagnes/{created['id']}")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert '<progress max="2" value="1" aria-labelledby="etape-handed_over">' in page.text
    words = text_of(page.text)
    assert "Appareil remis : 1 élève sur 2 (50 %)" in words
    assert "Sans prêt : 1 élève sur 2 (50 %)" in words
    assert "Bêta Camille" in words and "Préparer un prêt" in words
    assert "Alpha" not in words  # equipped: nothing left to do
    everyone = text_of((await client.get(f"/campagnes/{created['id']}?statut=all")).text)
    assert "Alpha Camille" in everyone
    listing = await client.get("/campagnes")
    assert listing.status_code == 200 and "Rentrée" in listing.text
    other = await signed_in("it_b")
    assert (await other.get(f"/campagnes/{created['id']}")).status_code == 404


async def test_a_campaign_is_created_and_closed_from_the_pages(signed_in):
    client = await signed_in("it_a")
    form = await client.get("/campagnes")
    token = CSRF_FIELD.search(form.text).group(1)
    refused = await client.post(
        "/campagnes",
        data={"_csrf_token": token, "establishment_uai": UAI_A, "kind": "distribution"},
    )
    assert refused.status_code == 422
    assert "le nom de la campagne est obligatoire" in refused.text
    data = {
        "_csrf_token": token,
        "establishment_uai": UAI_A,
        "kind": "collection",
        "name": "Collecte de juin",
        "class_names": "Tle 1, tle2",
        "starts_on": today().strftime("%d/%m/%Y"),
    }
    created = await client.post("/campagnes", data=data)
    assert created.status_code == 303
    page = await client.get(created.headers["location"])
    assert "Collecte de juin" in page.text and "TLE1, TLE2" in page.text
    close = f"{created.headers['location']}/cloture"
    unconfirmed = await client.post(close, data={"_csrf_token": token})
    assert unconfirmed.status_code == 422
    done = await client.post(close, data={"_csrf_token": token, "confirm": "oui"})
    assert done.status_code == 303
    closed = await client.get(done.headers["location"])
    assert "aujourd'hui est son dernier jour" in closed.text
    assert "Clore la campagne" not in closed.text
