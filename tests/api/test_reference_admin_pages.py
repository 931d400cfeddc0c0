"""Reference data pages: regions (admin only), establishments (admin; managers in their
region), device models with their accessories. Same domain functions as the API."""

from __future__ import annotations

import pytest

from inventory.tables import DeviceModel, Establishment, Region
from tests.api.test_pages import csrf_token, is_french_html
from tests.factories import UAI_A, UAI_C, uai

LISTS = ("/administration/etablissements", "/administration/modeles")


async def _post(client, url: str, data: dict, form_url: str):
    form = await client.get(form_url)
    return await client.post(url, data={**data, "_csrf_token": csrf_token(form.text)})


@pytest.mark.parametrize("persona", ["it_a", "head_a"])
async def test_school_staff_are_turned_away(signed_in, world, persona):
    client = await signed_in(persona)
    for url in (*LISTS, "/administration/regions", f"/administration/etablissements/{UAI_A}"):
        assert (await client.get(url)).status_code == 403, url


async def test_regions_are_the_platform_admins_only(signed_in, world):
    assert (await (await signed_in("manager_24")).get("/administration/regions")).status_code == 403
    admin = await signed_in("admin")
    url = "/administration/regions"
    response = await _post(admin, url, {"code": "11", "name": "Île-de-France"}, url)
    assert response.status_code == 303
    assert await Region.exists().where(Region.code == "11")
    response = await _post(admin, url, {"code": "ab", "name": ""}, url)
    assert response.status_code == 422 and is_french_html(response)
    assert 'id="code-error"' in response.text and 'id="name-error"' in response.text
    response = await _post(admin, url + "/24/nom", {"name": "Centre"}, url)
    assert response.status_code == 303
    assert (await Region.select(Region.name).where(Region.code == "24").first())["name"] == "Centre"


async def test_a_manager_creates_an_establishment_in_their_region_only(signed_in, world):
    client = await signed_in("manager_24")
    url = "/administration/etablissements"
    new = {"uai": uai("0450009"), "name": "Lycée D", "city": "Blois", "region_code": "24"}
    assert (await _post(client, url, new, url)).status_code == 303
    response = await _post(client, url, {**new, "uai": uai("0450010"), "region_code": "44"}, url)
    assert response.status_code == 422 and 'id="region_code-error"' in response.text
    assert await Establishment.count() == 4


async def test_a_manager_edits_a_school_of_their_region_not_another(signed_in, world):
    client = await signed_in("manager_24")
    url = f"/administration/etablissements/{UAI_A}"
    response = await _post(
        client, url, {"name": "Lycée A", "city": "Orléans", "head_name": "M. Dupont"}, url
    )
    assert response.status_code == 303
    head = (
        await Establishment.select(Establishment.head_name)
        .where(Establishment.uai == UAI_A)
        .first()
    )
    assert head["head_name"] == "M. Dupont"
    shown = await client.get(url)
    assert "chef d&#39;établissement : — → M. Dupont" in shown.text and "manager_24" in shown.text
    assert (await client.get(f"/administration/etablissements/{UAI_C}")).status_code == 404


async def test_a_model_is_added_with_its_accessories_and_a_bad_category_is_refused(
    signed_in, world
):
    client = await signed_in("manager_24")
    url = "/administration/modeles"
    data = {"manufacturer": "Dell", "name": "Latitude 3440", "category": "laptop",
            "accessories": "chargeur, sacoche"}  # fmt: skip
    assert (await _post(client, url, data, url)).status_code == 303
    made = (
        await DeviceModel.select(DeviceModel.accessories)
        .where(DeviceModel.name == "Latitude 3440")
        .first()
    )
    assert made["accessories"] == ["chargeur", "sacoche"]
    response = await _post(client, url, {**data, "name": "Autre", "category": "toaster"}, url)
    assert response.status_code == 422 and 'id="category-error"' in response.text


async def test_a_models_accessories_are_changed_on_its_page(signed_in, world):
    client = await signed_in("admin")
    url = f"/administration/modeles/{world.model_id}"
    data = {"name": "ThinkPad E14", "category": "laptop", "accessories": "chargeur"}
    assert (await _post(client, url, data, url)).status_code == 303
    row = (
        await DeviceModel.select(DeviceModel.accessories)
        .where(DeviceModel.id == world.model_id)
        .first()
    )
    assert row["accessories"] == ["chargeur"]
