"""The intake pages (`/arrivages`): receive a delivery by scanning, register one device, import
a CSV after its preview, print blank labels. French, plain forms, CSRF, scoped."""

from __future__ import annotations

import re

import pytest

from inventory.tables import Asset
from labels.assignment import create_blank_codes
from labels.tables import LabelCode
from loans import deliveries
from loans.tables import DeliveryItem
from tests.api.test_loan_pages import submit
from tests.api.test_pages import is_french_html, text_of
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, UAI_B, World, scope_of
from tests.inventory.test_asset_import import csv_file, row

PERSONAS = ("admin", "manager_24", "manager_44", "it_a", "it_b", "it_ab", "head_a")
SCHOOL_A_EDITORS = frozenset({"admin", "manager_24", "it_a", "it_ab"})


async def blanks(world: World, count: int = 2) -> list[str]:
    return await create_blank_codes(PLATFORM, world.region_ids["24"], count, NOW)


async def delivery_at_a(world: World) -> str:
    made = await deliveries.open_delivery(
        scope_of(world, "it_a"), ACTOR, NOW, world.model_id, UAI_A
    )
    return f"/arrivages/{made.id}"


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


# Receiving a delivery -----------------------------------------------------------------------


async def test_staff_start_a_delivery_then_receive_pairs_and_undo_the_last(signed_in, world):
    first, second = await blanks(world)
    client = await signed_in("it_a")
    home = await client.get("/arrivages")
    assert home.status_code == 200 and is_french_html(home)

    started = await submit(
        client,
        "/arrivages",
        "/arrivages",
        {"model_id": str(world.model_id), "establishment_uai": UAI_A},
    )
    assert started.status_code == 303
    page = started.headers["location"]
    for code, serial in ((first, "PF3ABC01"), (second, "PF3ABC02")):
        sent = await submit(
            client, page, f"{page}/recevoir", {"code": f"https://x.test/a/{code}", "serial": serial}
        )
        assert sent.status_code == 303 and sent.headers["location"] == f"{page}?fait=recu"

    shown = await client.get(page)
    assert "2 appareils reçus" in text_of(shown.text)
    assert "Annuler la dernière réception (24-" + second in shown.text

    undone = await submit(client, page, f"{page}/annuler", {})
    assert undone.status_code == 303

    after = text_of((await client.get(undone.headers["location"])).text)
    assert "1 appareil reçu" in after and "Dernière réception annulée" in after
    assert await Asset.count() == 1
    assert await DeliveryItem.count().where(DeliveryItem.undone_at.is_not_null()) == 1


async def test_a_duplicate_serial_is_named_next_to_its_field_and_nothing_is_written(
    signed_in, world
):
    first, second = await blanks(world)
    client = await signed_in("it_a")
    page = await delivery_at_a(world)
    await submit(client, page, f"{page}/recevoir", {"code": first, "serial": "PF3ABC01"})

    refused = await submit(client, page, f"{page}/recevoir", {"code": second, "serial": "pf3abc01"})

    assert refused.status_code == 409 and is_french_html(refused)
    assert "existe déjà pour ce fabricant" in error_of(refused.text, "serial")
    assert 'value="' + second + '"' in refused.text  # what was scanned is kept
    assert await Asset.count() == 1
    assert await LabelCode.count().where(LabelCode.asset.is_null()) == 1


async def test_a_label_already_bound_is_named_next_to_the_label_field(signed_in, world):
    (first,) = await blanks(world, 1)
    client = await signed_in("it_a")
    page = await delivery_at_a(world)
    await submit(client, page, f"{page}/recevoir", {"code": first, "serial": "PF3ABC01"})

    refused = await submit(client, page, f"{page}/recevoir", {"code": first, "serial": "PF3ABC02"})

    assert refused.status_code == 409
    assert "déjà collée sur un autre appareil" in error_of(refused.text, "code")
    assert await Asset.count() == 1


async def test_a_label_alone_asks_for_the_serial_with_the_focus_there(signed_in, world):
    (first,) = await blanks(world, 1)
    client = await signed_in("it_a")
    page = await delivery_at_a(world)

    answer = await submit(client, page, f"{page}/recevoir", {"code": first, "serial": ""})

    assert answer.status_code == 422
    assert error_of(answer.text, "serial")
    assert re.search(r'id="serial"[^>]*autofocus', answer.text)
    assert await Asset.count() == 0


async def test_a_form_without_its_csrf_token_is_refused(signed_in, world):
    (first,) = await blanks(world, 1)
    client = await signed_in("it_a")
    page = await delivery_at_a(world)

    response = await client.post(f"{page}/recevoir", data={"code": first, "serial": "PF3ABC01"})

    assert response.status_code == 403
    assert await Asset.count() == 0


@pytest.mark.parametrize("persona", PERSONAS)
async def test_a_delivery_page_is_seen_exactly_by_fleet_editors_of_its_school(
    signed_in, world, persona
):
    (first,) = await blanks(world, 1)
    page = await delivery_at_a(world)
    client = await signed_in(persona)

    response = await client.get(page)

    expected = 403 if persona == "head_a" else 200 if persona in SCHOOL_A_EDITORS else 404
    assert response.status_code == expected
    if expected == 404:
        form = await client.get("/arrivages/appareil")  # any page of theirs, for a token
        token = hidden(form.text, "_csrf_token") if form.status_code == 200 else ""
        sent = await client.post(
            f"{page}/recevoir",
            data={"code": first, "serial": "PF3ABC01", "_csrf_token": token},
        )
        assert sent.status_code == 404
        assert await Asset.count() == 0


@pytest.mark.parametrize(
    "path", ["/arrivages", "/arrivages/appareil", "/arrivages/import", "/arrivages/etiquettes"]
)
@pytest.mark.parametrize("persona", PERSONAS)
async def test_the_intake_forms_open_to_fleet_editors_and_turn_heads_away(
    signed_in, world, persona, path
):
    response = await (await signed_in(persona)).get(path)
    assert response.status_code == (403 if persona == "head_a" else 200)
    assert is_french_html(response)


async def test_the_intake_page_lists_the_deliveries_of_the_scope(signed_in, world):
    page = await delivery_at_a(world)
    assert f'href="{page}"' in (await (await signed_in("it_a")).get("/arrivages")).text
    assert f'href="{page}"' not in (await (await signed_in("it_b")).get("/arrivages")).text


async def test_the_menu_offers_intake_to_fleet_editors_only(signed_in, world):
    assert 'href="/arrivages"' in (await (await signed_in("it_a")).get("/scan")).text
    head = await signed_in("head_a")
    assert 'href="/arrivages"' not in (await head.get("/scan")).text
    assert (await head.get("/arrivages")).status_code == 403


# One device -------------------------------------------------------------------------------


async def test_one_device_is_registered_with_its_label(signed_in, world):
    (first,) = await blanks(world, 1)
    client = await signed_in("it_b")
    fields = {
        "code": first,
        "serial": "PF3ABC01",
        "model_id": str(world.model_id),
        "establishment_uai": UAI_B,
        "tag": "",
    }

    created = await submit(client, "/arrivages/appareil", "/arrivages/appareil", fields)

    assert created.status_code == 303
    shown = await client.get(created.headers["location"])
    assert f'Appareil <a href="/appareils/24-{first}">24-{first}</a> enregistré' in shown.text


async def test_a_blank_label_scanned_on_the_scan_page_leads_to_registering_a_device(
    signed_in, world
):
    (first,) = await blanks(world, 1)
    client = await signed_in("it_a")

    card = await client.get("/scan", params={"code": first})
    link = f'href="/arrivages/appareil?code={first}"'
    assert link in card.text and "Enregistrer un nouvel appareil" in card.text

    form = await client.get(f"/arrivages/appareil?code={first}")
    assert f'value="{first}"' in form.text
    assert re.search(r'id="serial"[^>]*autofocus', form.text)


async def test_staff_of_school_b_cannot_register_into_school_a(signed_in, world):
    (first,) = await blanks(world, 1)
    client = await signed_in("it_b")
    fields = {
        "code": first,
        "serial": "PF3ABC01",
        "model_id": str(world.model_id),
        "establishment_uai": UAI_A,
    }

    refused = await submit(client, "/arrivages/appareil", "/arrivages/appareil", fields)

    assert refused.status_code == 422
    assert "hors de votre périmètre" in error_of(refused.text, "establishment_uai")
    assert await Asset.count() == 0


async def test_an_empty_device_form_names_each_missing_field(signed_in, world):
    client = await signed_in("it_a")
    refused = await submit(client, "/arrivages/appareil", "/arrivages/appareil", {})
    assert refused.status_code == 422
    assert error_of(refused.text, "model_id") and error_of(refused.text, "establishment_uai")


# The CSV import ---------------------------------------------------------------------------


async def test_the_import_previews_then_imports_the_file_kept_on_the_server(
    signed_in, world, settings
):
    client = await signed_in("it_a")
    data = csv_file(row("IMP-1"), row("IMP-2"))

    preview = await submit(
        client, "/arrivages/import", "/arrivages/import", {}, files={"file": ("a.csv", data)}
    )

    assert preview.status_code == 200, preview.text
    assert "Vérification : rien n'est encore écrit" in preview.text
    assert "IMP-1" in preview.text and "IMP-2" in preview.text
    assert await Asset.count() == 0
    token = hidden(preview.text, "token")
    assert (settings.var_dir / "asset-imports" / f"{token}.csv").is_file()

    stranger = await signed_in("it_ab")
    gone = await submit(
        stranger, "/arrivages/import", "/arrivages/import/confirmer", {"token": token}
    )
    assert gone.status_code == 404 and await Asset.count() == 0

    done = await submit(
        client, "/arrivages/import", "/arrivages/import/confirmer", {"token": token}
    )

    assert done.status_code == 200
    assert "2 appareils importés" in text_of(done.text)
    assert await Asset.count() == 2
    assert not (settings.var_dir / "asset-imports" / f"{token}.csv").exists()


async def test_the_import_lists_errors_by_line_and_column_and_writes_nothing(signed_in, world):
    client = await signed_in("it_a")
    data = csv_file(row("IMP-1"), row("IMP-2", uai=UAI_B))

    answer = await submit(
        client, "/arrivages/import", "/arrivages/import", {}, files={"file": ("a.csv", data)}
    )

    assert answer.status_code == 422
    text = text_of(answer.text)
    assert "1 erreur dans a.csv : rien n'a été importé" in text
    assert "3 establishment_uai établissement " + UAI_B + " inconnu ou hors de votre périmètre" in (
        text
    )
    assert 'name="token"' not in answer.text and await Asset.count() == 0


async def test_an_import_without_a_file_says_so(signed_in, world):
    client = await signed_in("it_a")
    answer = await submit(
        client, "/arrivages/import", "/arrivages/import", {}, files={"other": ("x", b"")}
    )
    assert answer.status_code == 422
    assert "choisissez le fichier CSV" in answer.text


async def test_an_empty_file_is_refused_and_nothing_is_kept(signed_in, world, settings):
    client = await signed_in("it_a")
    answer = await submit(
        client, "/arrivages/import", "/arrivages/import", {}, files={"file": ("vide.csv", b"")}
    )
    assert answer.status_code == 422
    assert "Le fichier est vide." in answer.text
    assert list((settings.var_dir / "asset-imports").iterdir()) == []


# Blank labels -----------------------------------------------------------------------------


async def test_blank_labels_are_printed_from_the_page(signed_in, world):
    client = await signed_in("it_a")
    response = await submit(
        client,
        "/arrivages/etiquettes",
        "/arrivages/etiquettes",
        {"template": "L7160", "count": "3"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert await LabelCode.count().where(LabelCode.asset.is_null()) == 3


async def test_too_many_blank_labels_are_refused_with_the_limit_in_french(signed_in, world):
    client = await signed_in("manager_24")
    response = await submit(
        client,
        "/arrivages/etiquettes",
        "/arrivages/etiquettes",
        {"template": "L7160", "count": "20000", "region": "24"},
    )
    assert response.status_code == 422 and is_french_html(response)
    assert "entre 1 et 10\u202f000" in error_of(response.text, "count")
    assert await LabelCode.count() == 0


async def test_labels_already_used_beyond_the_sheet_are_refused(signed_in, world):
    client = await signed_in("it_a")
    response = await submit(
        client,
        "/arrivages/etiquettes",
        "/arrivages/etiquettes",
        {"template": "L7160", "count": "3", "offset": "21"},
    )
    assert response.status_code == 422
    assert "entre 0 et 20" in error_of(response.text, "offset")
    assert await LabelCode.count() == 0


async def test_the_admin_chooses_the_region_of_blank_labels(signed_in, world):
    client = await signed_in("admin")
    response = await submit(
        client,
        "/arrivages/etiquettes",
        "/arrivages/etiquettes",
        {"template": "L7160", "count": "2"},
    )
    assert response.status_code == 422
    assert "région" in error_of(response.text, "region")
