"""The label endpoints: sheets read back with a real QR decoder, single labels, binding at
intake, scoping by persona, and every refusal a problem document naming its field."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from inventory.tables import Asset
from labels import sheets
from labels.stocks import STOCKS
from labels.tables import LabelCode
from tests.api.problems import assert_problem
from tests.cli_process import ordipret as run_ordipret
from tests.factories import UAI_A, UAI_B, UAI_C, make_asset
from tests.labels.samples import crop, decode, page_texts, pages

SHEET = "/api/v1/labels/sheet.pdf"
BIND = "/api/v1/labels/bind"


def decoded_urls(pdf: bytes, template: str = "L7160", offset: int = 0) -> list[str]:
    """The URL of each printed label, in sheet order (empty cells end the list)."""
    stock = STOCKS[template]
    urls = []
    for image in pages(pdf):
        for slot in range(stock.per_page):
            found = decode(crop(image, stock.cell_box(slot)))
            urls.append(found[0] if found else None)
    urls = urls[offset:]
    return urls[: urls.index(None)] if None in urls else urls


async def code_of(client, tag: str) -> str:
    response = await client.get(f"/api/v1/assets/{tag}/label")
    assert response.status_code == 200, response.text
    return response.json()["code"]


def url_of(code: str) -> str:
    return f"HTTP://TESTSERVER/A/{code}"


async def blank_codes(as_, count: int = 1, region: str = "24") -> list[str]:
    response = await as_("admin").get(SHEET, params={"blank": count, "region": region})
    assert response.status_code == 200, response.text
    return [url.rsplit("/", 1)[1] for url in decoded_urls(response.content)]


# Sheets


async def test_a_sheet_of_tags_encodes_each_devices_upper_cased_label_url_in_tag_order(as_, world):
    for tag in ("T-3", "T-1", "T-2"):
        await make_asset(tag, UAI_A, world.model_id)
    client = as_("it_a")
    response = await client.get(SHEET, params={"tags": "T-3,T-1 T-2", "template": "L7160"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert decoded_urls(response.content) == [
        url_of(await code_of(client, tag)) for tag in ("T-1", "T-2", "T-3")
    ]


async def test_a_sheet_is_sent_as_an_attachment_named_etiquettes(as_, world):
    await make_asset("ATT-1", UAI_A, world.model_id)
    response = await as_("it_a").get(SHEET, params={"tags": "ATT-1"})
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="etiquettes-L7160-')
    assert disposition.endswith('.pdf"')


async def test_the_labels_show_tag_serial_and_region(as_, world):
    await make_asset("TXT-1", UAI_A, world.model_id, serial="5CD123456789")
    response = await as_("it_a").get(SHEET, params={"tags": "TXT-1", "template": "L7163"})
    text = page_texts(response.content)[0]
    assert "TXT-1" in text and "S/N 5CD123456789" in text and "Centre-Val de Loire" in text


async def test_a_sheet_of_an_establishment_holds_only_its_devices(as_, world):
    await make_asset("EST-A1", UAI_A, world.model_id)
    await make_asset("EST-A2", UAI_A, world.model_id)
    await make_asset("EST-B1", UAI_B, world.model_id)
    client = as_("manager_24")
    response = await client.get(SHEET, params={"establishment": UAI_A, "offset": 2})
    assert response.status_code == 200, response.text
    expected = [url_of(await code_of(client, tag)) for tag in ("EST-A1", "EST-A2")]
    assert decoded_urls(response.content, offset=2) == expected


async def test_filters_combine_state_model_and_search(as_, world):
    await make_asset("MIX-1", UAI_A, world.model_id, state="in_repair")
    await make_asset("MIX-2", UAI_A, world.model_id)
    await make_asset("OTHER-3", UAI_A, world.model_id, state="in_repair")
    client = as_("it_a")
    params = {"state": "in_repair", "model": world.model_id, "q": "mix"}
    response = await client.get(SHEET, params=params)
    assert decoded_urls(response.content) == [url_of(await code_of(client, "MIX-1"))]


async def test_the_unlabelled_sheet_skips_devices_that_have_a_code(as_, world):
    for tag in ("UN-1", "UN-2", "UN-3"):
        await make_asset(tag, UAI_A, world.model_id)
    client = as_("it_a")
    labelled = await code_of(client, "UN-2")
    response = await client.get(SHEET, params={"unlabelled": "true"})
    urls = decoded_urls(response.content)
    assert len(urls) == 2 and url_of(labelled) not in urls
    again = await client.get(SHEET, params={"unlabelled": "true"})
    body = assert_problem(again, 422, "unlabelled")
    assert "étiquette" in body["detail"]


async def test_it_staff_print_a_blank_sheet_for_their_schools_region(as_, world):
    response = await as_("it_a").get(SHEET, params={"blank": 5, "template": "L7651"})
    assert response.status_code == 200, response.text
    urls = decoded_urls(response.content, "L7651")
    assert len(urls) == 5
    codes = [url.rsplit("/", 1)[1] for url in urls]
    rows = await LabelCode.select().where(LabelCode.code.is_in(codes))
    assert {(r["region"], r["asset"]) for r in rows} == {(world.region_ids["24"], None)}
    assert all(code in page_texts(response.content)[0] for code in codes)  # the caption


async def test_it_staff_cannot_print_blank_labels_for_another_region(as_, world):
    response = await as_("it_a").get(SHEET, params={"blank": 5, "region": "44"})
    assert_problem(response, 422, "region")
    assert await LabelCode.count() == 0


async def test_an_admin_must_say_which_region_blank_labels_are_for(as_, world):
    assert_problem(await as_("admin").get(SHEET, params={"blank": 2}), 422, "region")


async def test_blank_labels_print_alone(as_, world):
    response = await as_("it_a").get(SHEET, params={"blank": 2, "establishment": UAI_A})
    assert_problem(response, 422, "blank")


async def test_it_staff_of_a_cannot_print_the_tags_of_b_and_nothing_leaks(as_, world):
    await make_asset("MINE", UAI_A, world.model_id)
    await make_asset("THEIRS", UAI_B, world.model_id)
    response = await as_("it_a").get(SHEET, params={"tags": "MINE,THEIRS"})
    body = assert_problem(response, 404)
    unknown = await as_("it_a").get(SHEET, params={"tags": "MINE,NOWHERE"})
    assert_problem(unknown, 404)
    assert "THEIRS" in body["detail"]  # named as asked, like a tag that does not exist
    assert await LabelCode.count() == 0


async def test_it_staff_of_a_cannot_print_the_establishment_of_b(as_, world):
    await make_asset("B-ONLY", UAI_B, world.model_id)
    response = await as_("it_a").get(SHEET, params={"establishment": UAI_B})
    assert_problem(response, 422, "establishment")
    assert await LabelCode.count() == 0


async def test_a_head_of_school_may_not_print_labels(as_, world):
    await make_asset("HEAD-1", UAI_A, world.model_id)
    assert_problem(await as_("head_a").get(SHEET, params={"tags": "HEAD-1"}), 403)


async def test_an_unknown_template_is_named_with_the_valid_ones(as_, world):
    response = await as_("it_a").get(SHEET, params={"template": "L9999", "blank": 1})
    body = assert_problem(response, 422, "template")
    (error,) = body["errors"]
    assert all(key in error["detail"] for key in STOCKS)


@pytest.mark.parametrize("offset", [-1, 21])
async def test_an_offset_outside_the_first_sheet_is_named(as_, world, offset):
    response = await as_("it_a").get(SHEET, params={"blank": 1, "offset": offset})
    assert_problem(response, 422, "offset")


@pytest.mark.parametrize(
    "params, field",
    [
        ({"calibration_x": -6}, "calibration_x"),
        ({"calibration_y": 30}, "calibration_y"),
        ({"calibration_x": "nan"}, "calibration_x"),
    ],
)
async def test_a_calibration_off_the_printable_area_is_named(as_, world, params, field):
    response = await as_("it_a").get(SHEET, params={"blank": 1, **params})
    body = assert_problem(response, 422, field)
    assert "zone imprimable" in body["detail"] or "millimètres" in body["detail"]
    assert await LabelCode.count() == 0


async def test_a_non_numeric_offset_is_named(as_, world):
    assert_problem(await as_("it_a").get(SHEET, params={"offset": "deux"}), 400, "offset")


async def test_an_empty_selection_is_refused_in_french(as_, world):
    response = await as_("it_a").get(SHEET, params={"state": "stolen"})
    body = assert_problem(response, 422)
    assert "aucun appareil" in body["detail"]


async def test_an_unknown_state_is_named(as_, world):
    assert_problem(await as_("it_a").get(SHEET, params={"state": "vendu"}), 422, "state")


@pytest.mark.parametrize("count", [0, 10_001])
async def test_too_many_or_no_blank_labels_is_named(as_, world, count):
    response = await as_("it_a").get(SHEET, params={"blank": count})
    assert_problem(response, 422, "blank")


async def test_a_selection_too_big_for_one_print_names_the_filter(as_, world, monkeypatch):
    monkeypatch.setattr(sheets, "MAX_LABELS", 2)
    for tag in ("BIG-1", "BIG-2", "BIG-3"):
        await make_asset(tag, UAI_A, world.model_id)
    response = await as_("it_a").get(SHEET, params={"establishment": UAI_A})
    assert_problem(response, 422, "establishment")
    tags = await as_("it_a").get(SHEET, params={"tags": "BIG-1,BIG-2,BIG-3"})
    assert_problem(tags, 422, "tags")
    assert await LabelCode.count() == 0


async def test_a_tag_too_long_for_the_template_is_named_on_the_template(as_, world):
    await make_asset("W" * 40, UAI_A, world.model_id)
    response = await as_("it_a").get(SHEET, params={"tags": "W" * 40, "template": "L7651"})
    assert_problem(response, 422, "template")


async def test_the_sheet_page_address_answers_errors_in_french_html(as_, world):
    response = await as_("it_a").get("/etiquettes/planche.pdf", params={"template": "X"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "formats possibles" in response.text


# One label


async def test_a_single_png_label_decodes_to_its_url(as_, world):
    await make_asset("ONE-1", UAI_A, world.model_id)
    client = as_("it_a")
    code = await code_of(client, "ONE-1")
    response = await client.get(f"/api/v1/labels/{code}.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (round(62 / 25.4 * 300), round(30 / 25.4 * 300))  # QL62 by default
    assert decode(image) == [url_of(code)]


async def test_a_single_svg_label_carries_the_tag(as_, world):
    await make_asset("ONE-2", UAI_A, world.model_id)
    client = as_("it_a")
    code = await code_of(client, "ONE-2")
    response = await client.get(f"/api/v1/labels/{code.lower()}.svg", params={"template": "L7160"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "<title>ONE-2</title>" in response.text and 'viewBox="0 0 63.5 38.1"' in response.text


async def test_the_label_of_another_schools_device_is_not_found(as_, world):
    await make_asset("ONE-B", UAI_B, world.model_id)
    code = await code_of(as_("it_b"), "ONE-B")
    assert_problem(await as_("it_a").get(f"/api/v1/labels/{code}.png"), 404)
    assert_problem(await as_("it_a").get("/api/v1/labels/ZZZZZZZZZZ.png"), 404)
    assert_problem(await as_("it_b").get(f"/api/v1/labels/{code}.gif"), 404)


async def test_a_devices_label_is_created_once_and_given_with_its_url(as_, world):
    await make_asset("OWN-1", UAI_A, world.model_id)
    first = (await as_("it_a").get("/api/v1/assets/OWN-1/label")).json()
    second = (await as_("manager_24").get("/api/v1/assets/own-1/label")).json()
    assert first == second == {"code": first["code"], "url": url_of(first["code"])}


async def test_the_label_of_a_device_out_of_scope_is_not_found(as_, world):
    await make_asset("OWN-C", UAI_C, world.model_id)
    assert_problem(await as_("manager_24").get("/api/v1/assets/OWN-C/label"), 404)
    assert await LabelCode.count() == 0


# Binding at intake


async def test_binding_a_blank_label_by_serial_returns_the_device_with_its_code(as_, world):
    await make_asset("IN-1", UAI_A, world.model_id, serial="PF3ABCD")
    (code,) = await blank_codes(as_)
    response = await as_("it_a").post(BIND, json={"code": url_of(code), "asset": "pf3abcd"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == code and body["url"] == url_of(code)
    assert body["asset"]["tag"] == "IN-1" and body["asset"]["serial"] == "PF3ABCD"
    history = (await as_("it_a").get("/api/v1/assets/IN-1/history")).json()
    assert history[0]["action"] == "label_bound"
    assert history[0]["changes"] == {"label": [None, code]}


async def test_a_label_bound_elsewhere_is_a_conflict_naming_the_code(as_, world):
    await make_asset("IN-2", UAI_A, world.model_id)
    await make_asset("IN-3", UAI_A, world.model_id)
    (code,) = await blank_codes(as_)
    assert (await as_("it_a").post(BIND, json={"code": code, "asset": "IN-2"})).status_code == 200
    response = await as_("it_a").post(BIND, json={"code": code, "asset": "IN-3"})
    assert_problem(response, 409, "code")


async def test_a_label_of_another_region_is_unknown_to_its_staff(as_, world):
    await make_asset("IN-4", UAI_A, world.model_id)
    (code,) = await blank_codes(as_, region="44")
    response = await as_("it_a").post(BIND, json={"code": code, "asset": "IN-4"})
    assert_problem(response, 404)


async def test_a_label_of_another_region_is_a_conflict_naming_the_code_for_an_admin(as_, world):
    await make_asset("IN-4", UAI_A, world.model_id)
    (code,) = await blank_codes(as_, region="44")
    response = await as_("admin").post(BIND, json={"code": code, "asset": "IN-4"})
    assert_problem(response, 409, "code")


async def test_a_retired_label_is_a_conflict_naming_the_code(as_, world):
    await make_asset("IN-5", UAI_A, world.model_id)
    await make_asset("IN-6", UAI_A, world.model_id)
    client = as_("it_a")
    old = await code_of(client, "IN-5")
    (new,) = await blank_codes(as_)
    replaced = await client.post(BIND, json={"code": new, "asset": "IN-5", "replace": True})
    assert replaced.status_code == 200
    assert await code_of(client, "IN-5") == new
    response = await client.post(BIND, json={"code": old, "asset": "IN-6"})
    assert_problem(response, 409, "code")


async def test_a_device_with_a_label_is_a_conflict_naming_the_asset(as_, world):
    await make_asset("IN-7", UAI_A, world.model_id)
    client = as_("it_a")
    await code_of(client, "IN-7")
    (code,) = await blank_codes(as_)
    response = await client.post(BIND, json={"code": code, "asset": "IN-7"})
    assert_problem(response, 409, "asset")


async def test_binding_to_another_schools_device_is_not_found(as_, world):
    await make_asset("IN-B", UAI_B, world.model_id)
    (code,) = await blank_codes(as_)
    assert_problem(await as_("it_a").post(BIND, json={"code": code, "asset": "IN-B"}), 404)
    row = await LabelCode.select().where(LabelCode.code == code).first()
    assert row["asset"] is None


async def test_a_bind_body_missing_the_asset_names_it(as_, world):
    assert_problem(await as_("it_a").post(BIND, json={"code": "X"}), 400, "asset")


async def test_a_head_of_school_may_not_bind_labels(as_, world):
    await make_asset("IN-H", UAI_A, world.model_id)
    (code,) = await blank_codes(as_)
    assert_problem(await as_("head_a").post(BIND, json={"code": code, "asset": "IN-H"}), 403)


async def test_the_openapi_schema_documents_the_label_endpoints(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert {SHEET, BIND, "/api/v1/assets/{tag}/label"} <= set(paths)


async def test_no_device_row_is_touched_by_printing(as_, world):
    await make_asset("SAME", UAI_A, world.model_id)
    before = await Asset.select().where(Asset.tag == "SAME").first()
    await as_("it_a").get(SHEET, params={"tags": "SAME"})
    assert await Asset.select().where(Asset.tag == "SAME").first() == before


# The asset list's form


async def test_the_asset_list_offers_printing_the_labels_of_its_selection(signed_in, world):
    await make_asset("FORM-1", UAI_A, world.model_id)
    page = await (await signed_in("it_a")).get(
        "/appareils", params={"state": "in_stock", "q": "form"}
    )
    start = page.text.index('<details class="print-labels">')
    form = page.text[start : page.text.index("</details>", start)]
    assert 'action="/etiquettes/planche.pdf"' in form
    assert '<input type="hidden" name="state" value="in_stock">' in form
    assert '<input type="hidden" name="q" value="form">' in form
    assert all(f'<option value="{key}">' in form for key in STOCKS)
    assert 'name="offset"' in form and 'name="unlabelled" value="true"' in form
    assert "seulement les appareils sans étiquette" in form
    assert "Imprimer les étiquettes" in form


async def test_the_asset_list_offers_no_printing_to_a_head_of_school(signed_in, world):
    await make_asset("FORM-2", UAI_A, world.model_id)
    page = await (await signed_in("head_a")).get("/appareils")
    assert "FORM-2" in page.text
    assert "Imprimer les étiquettes" not in page.text


async def test_the_form_of_a_signed_in_person_gets_the_pdf(signed_in, world):
    await make_asset("FORM-3", UAI_A, world.model_id)
    client = await signed_in("it_a")
    response = await client.get(
        "/etiquettes/planche.pdf", params={"q": "FORM-3", "template": "L7163", "offset": "0"}
    )
    assert response.status_code == 200, response.text
    assert decoded_urls(response.content, "L7163") == [url_of(await code_of(client, "FORM-3"))]


# The command line


def ordipret(directory: Path, *args: str) -> subprocess.CompletedProcess:
    """`ordipret …` as a real process, on its own SQLite file, labels pointing at our URL."""
    return run_ordipret(
        directory, *args, env_extra={"ORDIPRET_PUBLIC_URL": "https://ordipret.example.fr"}
    )


SEED = """
import datetime as dt
from api.cli.console import run_with_database
from api.settings import Settings
from tests.factories import ACTOR, PLATFORM, UAI_A
from inventory import assets, catalogue, regions

async def seed():
    await regions.create_region(PLATFORM, "24", "Centre-Val de Loire")
    await regions.create_establishment(
        PLATFORM, uai=UAI_A, name="Lycée A", city="Orléans", region_code="24"
    )
    model = await catalogue.create_device_model(
        PLATFORM, manufacturer="Lenovo", name="E14", category="laptop", accessories=[]
    )
    now = dt.datetime.now(dt.UTC)
    for n in range(1, 4):
        fields = {"tag": f"CLI-{n}", "serial": f"S{n}", "model_id": model.id,
                  "establishment_uai": UAI_A}
        await assets.create_asset(PLATFORM, ACTOR, now, fields)

run_with_database(Settings.from_env(), seed)
"""


@pytest.fixture(scope="module")
def seeded_once(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("cli")
    migrated = ordipret(directory, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    env = {**os.environ, "ORDIPRET_DATABASE_URL": f"sqlite:///{directory / 'cli.sqlite'}"}
    env.pop("ORDIPRET_TEST_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", SEED], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return directory


@pytest.fixture
def seeded(seeded_once: Path, tmp_path: Path) -> Path:
    """A migrated and seeded database of the command line's own: a copy of one made once."""
    shutil.copytree(seeded_once, tmp_path, dirs_exist_ok=True)
    return tmp_path


def test_the_command_line_writes_the_sheet_of_an_establishment(seeded):
    output = seeded / "lycee-a.pdf"
    result = ordipret(
        seeded, "labels", "--template", "L7160", "--establishment", UAI_A, "-o", str(output)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 étiquettes sur 1 page écrites" in result.stdout
    urls = decoded_urls(output.read_bytes())
    assert len(urls) == 3
    assert all(url.startswith("HTTPS://ORDIPRET.EXAMPLE.FR/A/") for url in urls)


def test_the_command_line_prints_blank_labels_of_a_region_with_an_offset(seeded):
    output = seeded / "vierges.pdf"
    result = ordipret(
        seeded, "labels", "--blank", "20", "--region", "24", "--offset", "5", "-o", str(output)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "20 étiquettes sur 2 pages écrites" in result.stdout
    assert len(decoded_urls(output.read_bytes(), offset=5)) == 20


def test_the_command_line_names_a_wrong_option_in_french_and_writes_nothing(seeded):
    output = seeded / "rien.pdf"
    result = ordipret(seeded, "labels", "--tags", "NOPE-1", "-o", str(output))
    assert result.returncode == 2
    assert "introuvables : NOPE-1" in result.stdout
    offset = ordipret(seeded, "labels", "--offset", "99", "-o", str(output))
    assert offset.returncode == 2 and "offset" in offset.stdout
    assert not output.exists()


@pytest.mark.parametrize("tags", ["", ",,,", " ; ", " , "])
async def test_a_list_of_no_tags_is_refused_never_read_as_every_device(as_, world, tags):
    await make_asset("T-1", UAI_A, world.model_id)
    response = await as_("it_a").get(SHEET, params={"tags": tags})
    assert_problem(response, 422, "tags")
    assert await LabelCode.count() == 0
