"""`/a/{code}`, where a label's QR leads: staff in scope go to the device, anyone else reads
whose it is and where to bring it back, and nothing more."""

from __future__ import annotations

from inventory import assets, regions
from labels.assignment import bind_code, codes_for_assets, create_blank_codes
from tests.api.test_pages import is_french_html, text_of
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, make_asset


async def live_code(tag: str) -> str:
    asset_id = await assets.asset_id(PLATFORM, tag)
    return (await codes_for_assets(PLATFORM, [asset_id], NOW))[asset_id]


async def device_in_a(world, tag: str = "FOUND-1") -> tuple[str, str]:
    """A device of lycée A with its label; returns (code, serial)."""
    await make_asset(tag, UAI_A, world.model_id, serial="5CD9876543")
    await regions.update_establishment(PLATFORM, UAI_A, {"contact_phone": "02 38 00 00 00"})
    return await live_code(tag), "5CD9876543"


async def test_a_finder_reads_the_region_and_the_school_to_return_it_to(client, world):
    code, _ = await device_in_a(world)
    response = await client.get(f"/a/{code}")
    assert response.status_code == 200
    assert is_french_html(response)
    text = text_of(response.text)
    assert "Appareil trouvé" in text
    assert "Cet appareil appartient à la Région Centre-Val de Loire." in text
    assert "Lycée A" in text and "Orléans" in text
    assert "Merci de le rapporter à cet établissement" in text
    assert 'href="mailto:numerique@lycee-a.fr"' in response.text
    assert 'href="tel:0238000000"' in response.text


async def test_the_public_page_shows_neither_tag_nor_serial_nor_code(client, world):
    code, serial = await device_in_a(world)
    response = await client.get(f"/A/{code}")
    assert response.status_code == 200
    for secret in ("FOUND-1", serial, code, "ThinkPad", "Lenovo"):
        assert secret not in response.text


async def test_the_qr_codes_upper_cased_address_works_as_the_lower_case_one(client, world):
    code, _ = await device_in_a(world)
    upper = await client.get(f"/A/{code}")
    lower = await client.get(f"/a/{code.lower()}")
    assert upper.status_code == lower.status_code == 200
    assert upper.text == lower.text


async def test_the_page_is_neither_indexed_nor_cached(client, world):
    code, _ = await device_in_a(world)
    response = await client.get(f"/a/{code}")
    assert '<meta name="robots" content="noindex, nofollow">' in response.text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in response.text
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_a_device_in_the_regions_own_stock_names_the_region_only(client, world):
    await make_asset("STOCK-1", None, world.model_id, region_code="24")
    response = await client.get(f"/a/{await live_code('STOCK-1')}")
    text = text_of(response.text)
    assert "Région Centre-Val de Loire" in text
    assert "Lycée" not in text.replace("lycée public le plus proche", "")


async def test_staff_in_scope_go_straight_to_the_device(signed_in, world):
    code, _ = await device_in_a(world)
    client = await signed_in("it_a")
    response = await client.get(f"/A/{code}")
    assert response.status_code == 303
    assert response.headers["location"] == "/appareils/FOUND-1"


async def test_the_region_manager_goes_straight_to_the_device_too(signed_in, world):
    code, _ = await device_in_a(world)
    response = await (await signed_in("manager_24")).get(f"/a/{code}")
    assert response.headers["location"] == "/appareils/FOUND-1"


async def test_staff_of_another_school_get_the_public_page(signed_in, world):
    code, serial = await device_in_a(world)
    response = await (await signed_in("it_b")).get(f"/a/{code}")
    assert response.status_code == 200
    assert "Appareil trouvé" in response.text
    assert "FOUND-1" not in response.text and serial not in response.text


async def test_an_unknown_code_gets_a_french_page_on_returning_a_found_device(client, world):
    response = await client.get("/a/ZZZZZZZZZZ")
    assert response.status_code == 404
    assert is_french_html(response)
    text = text_of(response.text)
    assert "Étiquette inconnue" in text
    assert "lycée public le plus proche" in text
    assert response.headers["x-robots-tag"] == "noindex, nofollow"


async def test_blank_retired_unknown_and_malformed_codes_get_the_very_same_page(client, world):
    await make_asset("SWAPPED", UAI_A, world.model_id)
    unused, old, new = await create_blank_codes(PLATFORM, world.region_ids["24"], 3, NOW)
    await bind_code(PLATFORM, ACTOR, NOW, old, "SWAPPED")
    await bind_code(PLATFORM, ACTOR, NOW, new, "SWAPPED", replace=True)
    answers = [await client.get(f"/a/{code}") for code in (unused, old, "ZZZZZZZZZZ", "x%20y")]
    assert {a.status_code for a in answers} == {404}
    assert len({a.text for a in answers}) == 1
    # The first answer also sets the CSRF cookie, whatever the code.
    assert len({frozenset(a.headers.keys()) - {"set-cookie"} for a in answers}) == 1


async def test_a_staff_member_scanning_an_unknown_code_gets_the_same_page(signed_in, world):
    response = await (await signed_in("it_a")).get("/a/ZZZZZZZZZZ")
    assert response.status_code == 404
    assert "Étiquette inconnue" in response.text
