"""Reading what a scanner typed (every form, even mangled by an AZERTY keyboard) and resolving
it within a scope: a device, a blank label, or nothing that the caller may know of."""

from __future__ import annotations

import pytest
import pytest_asyncio

from inventory import assets, catalogue
from inventory.errors import Conflict, Invalid, NotFound
from inventory.regions import region_id_for_code
from inventory.scope import Scope
from labels.scan import ScanResult, UnboundCode, locate, readings, resolve_scan
from labels.tables import LabelCode
from tests.factories import NOW, PLATFORM, UAI_A, UAI_B, World, make_asset

CODE_A = "7K3M9P2QXW"  # stuck on A-0001
CODE_B = "HB4N8RT2ZD"  # stuck on B-0001
BLANK_24 = "Q2WM6XKP9A"  # printed ahead for region 24
BLANK_44 = "M4ZQ7WKA3P"  # printed ahead for region 44
RETIRED = "9TQZ2MWA6K"  # an old label of region 24, replaced
SERIAL_A = "5CD1234XYZ"

# What a French AZERTY keyboard shows for the keys a US QWERTY scanner presses, written from
# the two layouts (not from the code under test): unshifted, then with Shift.
_US = "1234567890-qwazm,./;" + "!@#$%^&*()_QWAZM<>?:"
_FR = "&é\"'(-è_çà)azqw,;:!m" + "1234567890°AZQW?./§M"
_AZERTY = dict(zip(_US, _FR, strict=True))


def mangle(text: str) -> str:
    """`text` as a QWERTY scanner types it on an AZERTY keyboard."""
    return "".join(_AZERTY.get(char, char) for char in text)


async def stick_label(code: str, tag: str) -> None:
    """A label bound to a device (what printing an asset's label does)."""
    asset_id = await assets.asset_id(PLATFORM, tag)
    region_id = await region_id_for_code((await assets.get_asset(PLATFORM, tag)).region_code)
    await LabelCode.insert(
        LabelCode(code=code, region=region_id, asset=asset_id, created_at=NOW, bound_at=NOW)
    )


async def blank_label(code: str, region_id: int, retired: bool = False) -> None:
    """A label printed ahead for a region, stuck on nothing (or retired)."""
    await LabelCode.insert(
        LabelCode(code=code, region=region_id, created_at=NOW, retired_at=NOW if retired else None)
    )


def school_scope(world: World, *schools: str) -> Scope:
    return Scope.establishments(
        {world.establishment_ids[s]: world.region_ids["44" if s == "C" else "24"] for s in schools}
    )


@pytest_asyncio.fixture(loop_scope="session")
async def fleet(world: World) -> World:
    """A-0001 (labelled, serial 5CD1234XYZ) and A-0002 in lycée A; B-0001 (labelled) in B;
    blank labels for regions 24 and 44 and a retired one."""
    await make_asset("A-0001", UAI_A, world.model_id, serial=SERIAL_A)
    await make_asset("A-0002", UAI_A, world.model_id)
    await make_asset("B-0001", UAI_B, world.model_id)
    await stick_label(CODE_A, "A-0001")
    await stick_label(CODE_B, "B-0001")
    await blank_label(BLANK_24, world.region_ids["24"])
    await blank_label(BLANK_44, world.region_ids["44"])
    await blank_label(RETIRED, world.region_ids["24"], retired=True)
    return world


async def scanned(world: World, raw: str, *schools: str) -> ScanResult:
    return await resolve_scan(school_scope(world, *(schools or ("A",))), raw)


# readings: pure text


def test_what_was_typed_comes_first_without_spaces_or_the_scanners_cr_lf():
    assert readings("  A-0001\r\n")[0] == "A-0001"
    assert readings("\tA-0001\n")[0] == "A-0001"
    assert readings("A-0001\r")[0] == "A-0001"


def test_nothing_but_spaces_or_line_ends_reads_as_nothing():
    assert readings("") == []
    assert readings("   \r\n") == []
    assert readings("\x00\u200b") == []


def test_control_and_invisible_characters_inside_are_dropped():
    assert readings("A-00\x0001")[0] == "A-0001"
    assert readings("A-\u200b0001\x1d")[0] == "A-0001"


def test_every_azerty_digit_reads_back_as_its_digit():
    assert readings("&é\"'(-è_çà")[1] == "1234567890"


def test_the_swapped_letters_read_back_in_both_cases():
    assert readings("azerty")[1] == "qwerty"
    assert readings("AZERTY")[1] == "QWERTY"
    assert readings("qwqw")[1] == "azaz"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("M", ":"),  # Shift + the key of ";"
        ("!", "/"),
        (":", "."),
        (")", "-"),
        ("?", "M"),  # Shift + m, which sits where "," is on AZERTY
        (",", "m"),
        ("°", "_"),
    ],
)
def test_each_mangled_sign_reads_back(typed: str, meant: str):
    assert readings(typed)[1] == meant


def test_the_mangled_label_url_reads_back_as_the_url():
    typed = 'HTTPSM!!ORDIPRET:EXQ?PLE:FR!Q!èK"?çPéAXZ'
    assert readings(typed) == [typed, "HTTPS://ORDIPRET.EXAMPLE.FR/A/7K3M9P2QXW"]


@pytest.mark.parametrize(
    "text",
    [
        "HTTPS://ORDIPRET.EXAMPLE.FR/A/7K3M9P2QXW",
        "https://ordipret.example.fr/a/7k3m9p2qxw",
        "7K3M9P2QXW",
        "PC-2024_001.B",
        "5CD1234XYZ",
        "QWAZMQWAZM",  # letters only: nothing telltale in its mangled form
    ],
)
def test_whatever_a_qwerty_scanner_mangles_reads_back(text: str):
    assert mangle(text) != text
    assert text in readings(mangle(text))


def test_a_correct_reading_is_tried_before_its_azerty_translation():
    assert readings("PC-12") == ["PC-12", "PC612"]


def test_a_tag_typed_with_unshifted_digits_but_its_dash_kept_reads_back():
    assert "CVL-000003" in readings('CVL-ààààà"')
    assert "CVL-78" in readings("CVL-è_")  # the "_" read as the 8 it stands for


def test_the_scanners_reading_comes_before_per_character_ones():
    typed = "AQ)àà&"  # "QA-001" from a QWERTY scanner; kept letters would say AQ-001
    assert readings(typed).index("QA-001") < readings(typed).index("AQ-001")


# resolve_scan: what a scan designates within a scope


@pytest.mark.parametrize(
    "typed",
    [
        "https://ordipret.example.fr/a/7K3M9P2QXW",
        "HTTPS://ORDIPRET.EXAMPLE.FR/A/7K3M9P2QXW",
        "http://localhost:8000/A/7k3m9p2qxw",  # any host
        "https://ordipret.example.fr/a/7K3M9P2QXW/",
        "https://ordipret.example.fr/a/7K3M9P2QXW?source=qr#x",
        "  HTTPS://ORDIPRET.EXAMPLE.FR/A/7K3M9P2QXW\r\n",
        'HTTPSM!!ORDIPRET:EXQ?PLE:FR!Q!èK"?çPéAXZ',  # mangled by an AZERTY keyboard
        'httpsM!!ordipret:exq,ple:fr!q!èk",çpéaxz',  # the same, from a lower-case QR
        "7K3M9P2QXW",
        "7k3m9p2qxw",
        "7K3M9-P2QXW",
        'èK"?çPéAXZ',  # the bare code, mangled
    ],
)
async def test_the_label_in_every_form_designates_its_device(fleet: World, typed: str):
    result = await scanned(fleet, typed)
    assert result.asset is not None and result.asset.tag == "A-0001"
    assert result.matched == "code"
    assert result.unbound_code is None


@pytest.mark.parametrize("typed", ["A-0001", "a-0001", "  a-0001 \r\n", "Q)ààà&", "q)ààà&"])
async def test_the_asset_tag_in_every_form_designates_its_device(fleet: World, typed: str):
    result = await scanned(fleet, typed)
    assert result.asset.tag == "A-0001"
    assert result.matched == "tag"


@pytest.mark.parametrize("typed", [SERIAL_A, "5cd1234xyz", " 5cd1234xyz\n", "(CD&é\"'XYW"])
async def test_the_serial_in_every_form_designates_its_device(fleet: World, typed: str):
    result = await scanned(fleet, typed)
    assert result.asset.tag == "A-0001"
    assert result.matched == "serial"


async def test_a_tag_holding_a_dash_is_read_as_typed_before_any_translation(fleet: World):
    await make_asset("PC-12", UAI_A, fleet.model_id)
    await make_asset("PC612", UAI_A, fleet.model_id)  # what "PC-12" reads as on AZERTY
    assert (await scanned(fleet, "PC-12")).asset.tag == "PC-12"
    assert (await scanned(fleet, "pc-12\r\n")).asset.tag == "PC-12"
    assert (await scanned(fleet, "PC)&é")).asset.tag == "PC-12"  # "PC-12", mangled
    assert (await scanned(fleet, "PC612")).asset.tag == "PC612"


async def test_a_tag_half_mangled_by_hand_designates_its_device(fleet: World):
    await make_asset("CVL-000003", UAI_A, fleet.model_id)
    result = await scanned(fleet, 'CVL-ààààà"')
    assert result.asset.tag == "CVL-000003"
    assert result.matched == "tag"


async def test_the_result_is_the_same_view_as_reading_the_asset(fleet: World):
    result = await scanned(fleet, CODE_A)
    assert result.asset == await assets.get_asset(PLATFORM, "A-0001")


@pytest.mark.parametrize("typed", [CODE_B, "B-0001", "https://x.fr/a/" + CODE_B])
async def test_a_device_of_another_school_is_not_found(fleet: World, typed: str):
    with pytest.raises(NotFound) as error:
        await scanned(fleet, typed, "A")
    assert error.value.message == f"Aucun appareil ne correspond à « {typed} »."
    assert (await scanned(fleet, typed, "B")).asset.tag == "B-0001"


async def test_an_unknown_code_gets_the_same_answer_as_a_device_out_of_scope(fleet: World):
    with pytest.raises(NotFound) as unknown:
        await scanned(fleet, "Z-9999")
    assert unknown.value.message == "Aucun appareil ne correspond à « Z-9999 »."


async def test_the_region_manager_and_the_platform_see_every_school_of_their_reach(fleet: World):
    region_24 = Scope.region(fleet.region_ids["24"])
    assert (await resolve_scan(region_24, CODE_B)).asset.tag == "B-0001"
    assert (await resolve_scan(PLATFORM, "b-0001")).asset.tag == "B-0001"
    with pytest.raises(NotFound):
        await resolve_scan(Scope.region(fleet.region_ids["44"]), CODE_B)


async def test_a_blank_label_of_a_region_the_caller_works_in_is_an_unbound_code(fleet: World):
    result = await scanned(fleet, "https://ordipret.example.fr/a/" + BLANK_24.lower(), "B")
    assert result == ScanResult(unbound_code=BLANK_24)
    assert (await resolve_scan(Scope.region(fleet.region_ids["24"]), BLANK_24)).unbound_code


async def test_a_blank_label_of_another_region_is_not_found(fleet: World):
    with pytest.raises(NotFound):
        await scanned(fleet, BLANK_44, "A")
    assert (await scanned(fleet, BLANK_44, "C")).unbound_code == BLANK_44


async def test_a_retired_label_says_it_no_longer_designates_anything(fleet: World):
    with pytest.raises(NotFound) as error:
        await scanned(fleet, RETIRED)
    assert "retirée" in error.value.message
    with pytest.raises(NotFound) as elsewhere:
        await scanned(fleet, RETIRED, "C")
    assert elsewhere.value.message == f"Aucun appareil ne correspond à « {RETIRED} »."


async def _shared_serial(world: World) -> None:
    dell = await catalogue.create_device_model(
        PLATFORM, manufacturer="Dell", name="Latitude 3440", category="laptop", accessories=[]
    )
    await make_asset("A-0100", UAI_A, world.model_id, serial="SHARED-1")
    await make_asset("B-0100", UAI_B, dell.id, serial="SHARED-1")


async def test_a_serial_shared_by_two_makers_designates_the_one_in_scope(fleet: World):
    await _shared_serial(fleet)
    assert (await scanned(fleet, "shared-1", "A")).asset.tag == "A-0100"
    assert (await scanned(fleet, "SHARED-1", "B")).asset.tag == "B-0100"


async def test_a_serial_shared_by_two_devices_in_scope_is_a_conflict_naming_them(fleet: World):
    await _shared_serial(fleet)
    with pytest.raises(Conflict) as error:
        await scanned(fleet, "SHARED-1", "A", "B")
    assert error.value.message.startswith("Plusieurs appareils")
    assert "A-0100, B-0100" in error.value.message
    assert error.value.field == "code"


@pytest.mark.parametrize("typed", ["", "   ", "\r\n", "\t \n", "\x00"])
async def test_nothing_typed_is_invalid_and_names_the_code(fleet: World, typed: str):
    with pytest.raises(Invalid) as error:
        await scanned(fleet, typed)
    assert "code" in error.value.errors


@pytest.mark.parametrize(
    "typed",
    [
        "X" * 10_000,
        "https://ordipret.example.fr/a/" + "7" * 10_000,
        "😀 ordinateur 💻",
        "https://www.example.com/search?q=ordinateur&lang=fr",
        "https://www.example.com/a/not-a-code",
        "' OR 1=1 --",
        "%",
        "_",
        "é" * 80,
    ],
)
async def test_odd_input_is_simply_not_found(fleet: World, typed: str):
    with pytest.raises(NotFound) as error:
        await scanned(fleet, typed)
    assert len(error.value.message) < 120  # a long input is cut short in the message


async def test_out_of_scope_matches_do_not_hide_another_reading(fleet: World):
    # "QB1" is in lycée B; its AZERTY reading "AB1" is in lycée A.
    await make_asset("QB1", UAI_B, fleet.model_id)
    await make_asset("AB1", UAI_A, fleet.model_id)
    assert (await scanned(fleet, "QB1", "A")).asset.tag == "AB1"
    assert (await scanned(fleet, "QB1", "B")).asset.tag == "QB1"


async def test_locate_without_a_scope_still_sees_everything(fleet: World):
    found = await locate(CODE_B)
    assert [f.tag for f in found] == ["B-0001"] and found[0].matched == "code"
    assert await locate(BLANK_44) == UnboundCode(BLANK_44, fleet.region_ids["44"], False)
    assert (await locate(RETIRED)).retired
    assert await locate("nothing-here") is None
