"""Searching devices by part of their tag or serial, students by their names without case nor
accents, and the planner's statistics refreshed: behaviour on both engines."""

from __future__ import annotations

from inventory import assets, search
from inventory.assets import AssetFilters
from inventory.search import successor
from inventory.statistics import refresh_statistics
from inventory.tables import Asset
from loans import students
from loans.students import StudentFilters
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    UAI_B,
    World,
    make_asset,
    make_student,
    scope_of,
)


async def _tags(scope, text: str) -> list[str]:
    page = await assets.list_assets(scope, AssetFilters(search=text))
    return [item.tag for item in page.items]


async def _fleet(world: World) -> None:
    await make_asset("PC-0001", UAI_A, world.model_id, serial="5CD1234XYZ")
    await make_asset("PC-0002", UAI_A, world.model_id, serial="LE_77-ABC")
    await make_asset("TAB-0003", UAI_B, world.model_id, serial="R9XK5CD0")


async def test_a_device_is_found_by_any_part_of_its_tag_or_serial_in_any_case(world):
    await _fleet(world)
    assert await _tags(PLATFORM, "d1234") == ["PC-0001"]  # inside the serial
    assert await _tags(PLATFORM, "0003") == ["TAB-0003"]  # end of the tag
    assert await _tags(PLATFORM, " 5cd ") == ["PC-0001", "TAB-0003"]
    assert await _tags(PLATFORM, "E_77") == ["PC-0002"]  # "_" is a character, not a wildcard
    assert await _tags(PLATFORM, "E777") == []


async def test_under_three_characters_a_search_finds_beginnings_only(world):
    await _fleet(world)
    assert await _tags(PLATFORM, "pc") == ["PC-0001", "PC-0002"]
    assert await _tags(PLATFORM, "r9") == ["TAB-0003"]  # the beginning of a serial
    assert await _tags(PLATFORM, "CD") == []  # inside only


async def test_a_search_of_any_characters_finds_nothing_rather_than_failing(world):
    await _fleet(world)
    for text in ("P\U0010ffff", "\U0010ffff", "P\ud7ff", "O'BRIEN", "\\", "'; --"):
        assert await _tags(PLATFORM, text) == []
        assert await _names(text) == []
    assert await _tags(PLATFORM, "{5CD}") == ["PC-0001", "TAB-0003"]  # braces dropped


async def test_a_broad_search_finds_counts_and_pages_what_a_narrow_one_does(world, monkeypatch):
    """A part held by many devices is read in the list's order and tested per device rather
    than through the ids of its matches (SQLite, from BROAD matches): the same answers."""
    await _fleet(world)
    await make_asset("PC-0004", UAI_A, world.model_id, serial="XY5CD99")
    texts = ("5CD", "d1234", "PC-", "0003", "E_77", "E777")
    narrow = {text: await assets.list_assets(PLATFORM, AssetFilters(search=text)) for text in texts}
    monkeypatch.setattr(search, "BROAD", 1)
    for text in texts:
        broad = await assets.list_assets(PLATFORM, AssetFilters(search=text))
        assert [i.tag for i in broad.items] == [i.tag for i in narrow[text].items], text
        assert (broad.total, broad.total_exact) == (narrow[text].total, True), text
    walked, cursor = [], None
    while True:  # one device per page, by the cursors
        page = await assets.list_assets(
            PLATFORM, AssetFilters(search="5cd"), limit=1, cursor=cursor
        )
        walked += [item.tag for item in page.items]
        if not (cursor := page.next_cursor):
            break
    assert walked == ["PC-0001", "PC-0004", "TAB-0003"]


def test_the_end_of_a_prefix_range_skips_surrogates_and_the_highest_character():
    assert successor("AB") == "AC"
    assert successor("A\ud7ff") == "A\ue000"
    assert successor("A\U0010ffff") == "B"
    assert successor("\U0010ffff") is None


async def test_a_search_finds_only_the_devices_the_caller_sees(world):
    await _fleet(world)
    assert await _tags(scope_of(world, "it_a"), "5CD") == ["PC-0001"]
    assert await _tags(scope_of(world, "manager_44"), "5CD") == []
    page = await assets.list_assets(scope_of(world, "it_b"), AssetFilters(search="5cd"))
    assert page.total == 1


async def test_a_device_is_found_by_its_new_serial_once_changed_and_no_more_by_the_old(world):
    await _fleet(world)
    await assets.update_asset(PLATFORM, ACTOR, NOW, "PC-0001", {"serial": "NEW-SERIAL-42"})
    assert await _tags(PLATFORM, "SERIAL-4") == ["PC-0001"]
    assert await _tags(PLATFORM, "D1234") == []


async def _names(text: str) -> list[str]:
    page = await students.list_students(PLATFORM, StudentFilters(q=text))
    return [f"{s.first_name} {s.last_name}" for s in page.items]


async def test_a_student_is_found_by_name_whatever_the_case_and_the_accents(world):
    await make_student("A", last_name="Dupont", first_name="Léa")
    await make_student("A", last_name="Lefèvre", first_name="Éloïse")
    await make_student("B", last_name="LEMAÎTRE", first_name="Noël")
    assert await _names("LÉA") == ["Léa Dupont"]
    assert await _names("lea") == ["Léa Dupont"]
    assert await _names("ELOISE") == ["Éloïse Lefèvre"]
    assert await _names("lefe") == ["Éloïse Lefèvre"]
    assert await _names("lemaitre noë") == ["Noël LEMAÎTRE"]
    assert sorted(await _names("le")) == ["Léa Dupont", "Noël LEMAÎTRE", "Éloïse Lefèvre"]


async def test_a_student_search_by_name_stays_within_the_scope(world):
    await make_student("A", last_name="Dupont", first_name="Léa")
    await make_student("B", last_name="Dupuis", first_name="Léo")
    page = await students.list_students(scope_of(world, "it_a"), StudentFilters(q="DUP"))
    assert [s.last_name for s in page.items] == ["Dupont"]
    assert page.total == 1


async def test_a_student_is_found_by_a_corrected_name_and_no_more_by_the_old(world):
    student = await make_student("A", last_name="Dupond", first_name="Léa")
    await students.update_student(PLATFORM, ACTOR, NOW, student.id, {"last_name": "Durand"})
    assert await _names("durand") == ["Léa Durand"]
    assert await _names("dupond") == []


async def test_refreshing_the_statistics_gives_the_planner_figures_of_the_devices(world):
    await _fleet(world)
    await refresh_statistics()
    engine = Asset._meta.db
    if engine.engine_type == "postgres":
        rows = await Asset.raw(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'asset'"
        )
        assert rows[0]["last_analyze"] is not None
    else:
        rows = await Asset.raw("SELECT stat FROM sqlite_stat1 WHERE idx = 'asset_serial'")
        assert rows[0]["stat"].startswith("3 ")
