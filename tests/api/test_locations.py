"""Locations through the API and the pages: the school's list managed by its IT staff and the
region's managers, moving devices by scanning, the asset list's filter, a location's
stocktake, and where the stocktake's close error shows. Out of scope is 404, a role that may
not manage is 403."""

import re

import pytest

from tests.api.problems import assert_problem
from tests.api.test_pages import csrf_token
from tests.factories import UAI_A, UAI_B, make_asset, make_location


async def cart_of_a(world) -> int:
    """Lycée A: C-1, C-2 on Chariot 1; S-1 in Salle 204; N-1 nowhere. Returns the cart."""
    for tag in ("C-1", "C-2", "S-1", "N-1"):
        await make_asset(tag, UAI_A, world.model_id)
    await make_location(UAI_A, "Salle 204", "room", "S-1")
    return await make_location(UAI_A, "Chariot 1", "cart", "C-1", "C-2")


# API


@pytest.mark.parametrize("persona", ["it_a", "manager_24", "admin"])
async def test_staff_and_managers_create_a_location_of_the_school(as_, world, persona):
    response = await as_(persona).post(
        f"/api/v1/establishments/{UAI_A}/locations", json={"name": "Chariot 3", "kind": "cart"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Chariot 3"
    listed = (await as_(persona).get(f"/api/v1/establishments/{UAI_A}/locations")).json()
    assert [place["name"] for place in listed] == ["Chariot 3"]


async def test_a_head_of_school_reads_locations_but_may_not_create_one(as_, world):
    response = await as_("head_a").post(
        f"/api/v1/establishments/{UAI_A}/locations", json={"name": "Chariot 3"}
    )
    assert_problem(response, 403)


@pytest.mark.parametrize("persona", ["it_b", "manager_44"])
async def test_another_school_or_region_gets_not_found_when_creating(as_, world, persona):
    response = await as_(persona).post(
        f"/api/v1/establishments/{UAI_A}/locations", json={"name": "Chariot 3"}
    )
    assert_problem(response, 404)


async def test_a_bad_location_is_refused_naming_the_field(as_, world):
    url = f"/api/v1/establishments/{UAI_A}/locations"
    assert_problem(await as_("it_a").post(url, json={"name": " "}), 422, "name")
    assert_problem(await as_("it_a").post(url, json={"name": "X", "kind": "?"}), 422, "kind")
    await as_("it_a").post(url, json={"name": "Chariot 1"})
    assert_problem(await as_("it_a").post(url, json={"name": "CHARIOT 1"}), 409, "name")


async def test_a_scanned_device_is_moved_into_the_location(as_, world):
    cart = await cart_of_a(world)
    response = await as_("it_a").post(f"/api/v1/locations/{cart}/moves", json={"code": "s-1"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["tag"], body["before"], body["after"], body["moved"]) == (
        "S-1",
        "Salle 204",
        "Chariot 1",
        True,
    )
    assert body["by"] == "it_a"
    asset = (await as_("it_a").get("/api/v1/assets/S-1")).json()
    assert asset["location"] == {"id": cart, "name": "Chariot 1"}
    history = (await as_("it_a").get("/api/v1/assets/S-1/history")).json()
    assert history[0]["action"] == "moved"


async def test_moving_needs_a_fleet_role_and_the_scope(as_, world):
    cart = await cart_of_a(world)
    body = {"code": "N-1"}
    assert_problem(await as_("head_a").post(f"/api/v1/locations/{cart}/moves", json=body), 403)
    assert_problem(await as_("it_b").post(f"/api/v1/locations/{cart}/moves", json=body), 404)


async def test_an_unknown_code_is_not_found(as_, world):
    cart = await cart_of_a(world)
    response = await as_("it_a").post(f"/api/v1/locations/{cart}/moves", json={"code": "ZZZ"})
    assert_problem(response, 404)


async def test_the_asset_list_api_filters_by_location(as_, world):
    cart = await cart_of_a(world)
    response = await as_("it_a").get("/api/v1/assets", params={"location": cart})
    assert [a["tag"] for a in response.json()["items"]] == ["C-1", "C-2"]


async def test_the_csv_export_names_each_device_location(as_, world):
    await cart_of_a(world)
    text = (await as_("it_a").get("/api/v1/assets/export.csv")).text
    rows = {line.split(";")[0]: line.split(";")[-1] for line in text.lstrip("\ufeff").splitlines()}
    assert (rows["tag"], rows["C-1"], rows["N-1"]) == ("location", "Chariot 1", "")


async def test_a_stocktake_of_a_location_through_the_api_expects_only_its_devices(as_, world):
    cart = await cart_of_a(world)
    response = await as_("it_a").post(
        "/api/v1/stocktakes", json={"establishment_uai": UAI_A, "location_id": cart}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["location"], body["location_id"]) == ("Chariot 1", cart)
    assert body["counts"]["expected"] == 2


# Pages


async def test_the_school_page_lists_its_locations_and_creates_one(signed_in, world):
    await cart_of_a(world)
    client = await signed_in("it_a")
    page = await client.get(f"/etablissements/{UAI_A}/emplacements")
    assert page.status_code == 200
    assert "Chariot 1" in page.text and "Salle 204" in page.text
    response = await client.post(
        f"/etablissements/{UAI_A}/emplacements",
        data={"name": "Réserve CDI", "kind": "storage", "_csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 303
    shown = await client.get(response.headers["location"])
    assert "Emplacement « Réserve CDI » créé." in shown.text


async def test_an_empty_name_is_shown_again_beside_the_field(signed_in, world):
    client = await signed_in("it_a")
    page = await client.get(f"/etablissements/{UAI_A}/emplacements")
    response = await client.post(
        f"/etablissements/{UAI_A}/emplacements",
        data={"name": " ", "kind": "cart", "_csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 422
    assert 'id="name-error"' in response.text and 'aria-invalid="true"' in response.text


async def test_the_location_pages_are_out_of_scope_404_and_for_fleet_roles_403(signed_in, world):
    cart = await cart_of_a(world)
    other = await signed_in("it_b")
    assert (await other.get(f"/etablissements/{UAI_A}/emplacements")).status_code == 404
    assert (await other.get("/emplacements/ranger", params={"vers": cart})).status_code == 404
    head = await signed_in("head_a")
    assert (await head.get(f"/etablissements/{UAI_A}/emplacements")).status_code == 200
    assert (await head.get("/emplacements/ranger", params={"vers": cart})).status_code == 403
    page = await head.get(f"/etablissements/{UAI_A}/emplacements")
    assert "Nouvel emplacement" not in page.text
    token = csrf_token((await head.get("/appareils")).text)
    refused = await head.post(
        f"/etablissements/{UAI_A}/emplacements", data={"name": "X", "_csrf_token": token}
    )
    assert refused.status_code == 403
    moved = await head.post(
        f"/emplacements/ranger/{cart}", data={"code": "N-1", "_csrf_token": token}
    )
    assert moved.status_code == 403
    manager_44 = await signed_in("manager_44")
    token = csrf_token((await manager_44.get("/appareils")).text)
    for url in (f"/emplacements/ranger/{cart}", f"/etablissements/{UAI_A}/emplacements"):
        answer = await manager_44.post(url, data={"code": "N-1", "name": "X", "_csrf_token": token})
        assert answer.status_code == 404, url


async def test_scanning_on_the_move_page_moves_the_device_and_lists_it(signed_in, world):
    cart = await cart_of_a(world)
    client = await signed_in("it_a")
    page = await client.get("/emplacements/ranger", params={"vers": cart})
    assert "autofocus" in page.text
    response = await client.post(
        f"/emplacements/ranger/{cart}", data={"code": "N-1", "_csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 303
    shown = await client.get(response.headers["location"])
    assert "N-1 rangé dans « Chariot 1 »." in shown.text
    running = shown.text[shown.text.index('id="ranges"') :]
    assert running.index("N-1") < running.index("C-2")  # the latest first


async def test_a_device_of_another_school_is_refused_on_the_move_page(signed_in, world):
    cart = await cart_of_a(world)
    await make_asset("B-1", UAI_B, world.model_id)
    client = await signed_in("it_ab")
    page = await client.get("/emplacements/ranger", params={"vers": cart})
    response = await client.post(
        f"/emplacements/ranger/{cart}", data={"code": "B-1", "_csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 409
    assert "pas de cet établissement" in response.text


async def test_the_asset_list_page_filters_by_location_once_a_school_is_chosen(signed_in, world):
    cart = await cart_of_a(world)
    client = await signed_in("it_a")
    page = await client.get("/appareils", params={"establishment": UAI_A, "location": cart})
    assert page.status_code == 200
    assert f'<option value="{cart}" selected>Chariot 1</option>' in page.text
    assert "C-1" in page.text and "S-1" not in page.text


async def test_the_device_page_says_where_it_is_kept(signed_in, world):
    await cart_of_a(world)
    client = await signed_in("it_a")
    html = (await client.get("/appareils/C-1")).text
    assert re.search(r"<dt>Emplacement</dt><dd><a [^>]+>Chariot 1</a>", html)


async def test_the_stocktake_form_opens_a_location_stocktake(signed_in, world):
    cart = await cart_of_a(world)
    client = await signed_in("it_a")
    page = await client.get("/inventaires")
    assert f'<option value="{cart}">Chariot 1 (2 appareils)</option>' in page.text
    response = await client.post(
        "/inventaires",
        data={
            "establishment_uai": UAI_A,
            "location_id": str(cart),
            "_csrf_token": csrf_token(page.text),
        },
    )
    assert response.status_code == 303
    detail = await client.get(response.headers["location"])
    assert "Chariot 1" in detail.text
    assert 'data-count="missing">2<' in detail.text


async def test_a_refused_close_shows_its_error_beside_the_button_and_at_the_top(signed_in, world):
    await cart_of_a(world)
    client = await signed_in("it_a")
    page = await client.get("/inventaires")
    opened = await client.post(
        "/inventaires", data={"establishment_uai": UAI_A, "_csrf_token": csrf_token(page.text)}
    )
    detail = await client.get(opened.headers["location"])
    response = await client.post(
        opened.headers["location"] + "/cloture", data={"_csrf_token": csrf_token(detail.text)}
    )
    assert response.status_code == 422
    html = response.text
    assert '<a href="#confirm-close">Cochez la case' in html  # the summary at the top
    assert 'id="confirm-close-error"' in html
    assert re.search(r'id="confirm-close"[^>]*autofocus', html)
    assert 'data-focus-elsewhere="confirm-close"' in html
    assert not re.search(r'id="code"[^>]*autofocus', html)
