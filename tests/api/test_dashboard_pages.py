"""The dashboard page through httpx: each role sees its part, out of scope is not found, the
charts are well-formed SVG images, their tables hold the JSON reports' figures, and the
numbers link to the lists that show the same rows."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from api import clock
from api.pages import charts
from api.pages.dashboard_view import CHART_ROWS, shown
from loans import lifecycle
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    UAI_B,
    UAI_C,
    make_asset,
    make_student,
    uai,
)
from tests.loans.reports_world import make_report_world

PERIOD = "du=05/07/2026&au=04/07/2027"
API_PERIOD = "from=2026-07-05&to=2027-07-04"
SVG = "{http://www.w3.org/2000/svg}"


class Tables(HTMLParser):
    """The dashboard's data tables (`data-figure`): caption, then rows of (text, href) cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict] = {}
        self._table = None
        self._cell = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-figure" in attrs:
            self._table = {"caption": "", "rows": []}
            self.tables[attrs["data-figure"]] = self._table
        elif self._table is None:
            return
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._table["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = ["", None]
            self._table["rows"][-1].append(self._cell)
        elif tag == "a" and self._cell is not None:
            self._cell[1] = attrs["href"]

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data):
        if self._in_caption and self._table is not None:
            self._table["caption"] += data
        elif self._cell is not None:
            self._cell[0] += data.strip()


def tables_of(html: str) -> dict[str, dict]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def column(table: dict, index: int) -> dict[str, str]:
    """Body rows as {first cell: cell at `index`} (the header row has no link nor number)."""
    return {row[0][0]: row[index][0] for row in table["rows"][1:]}


def link(table: dict, first: str, index: int = 1) -> str | None:
    for row in table["rows"]:
        if row[0][0] == first:
            return row[index][1]
    raise AssertionError(f"no row {first!r} in {table['caption']!r}")


def query(href: str) -> dict[str, str]:
    parts = urlsplit(href)
    return {"path": parts.path, **{k: v[0] for k, v in parse_qs(parts.query).items()}}


async def dashboard(client, params: str = PERIOD):
    return await client.get(f"/tableau-de-bord?{params}")


# Who sees what -------------------------------------------------------------------------------


async def test_a_region_manager_sees_the_dashboard_of_their_region_from_the_menu(as_, world):
    await make_report_world(world)
    response = await dashboard(as_("manager_24"))
    assert response.status_code == 200
    assert '<a href="/tableau-de-bord"' in response.text  # the menu link
    places = column(tables_of(response.text)["parc-etablissements"], 1)
    assert places == {"Stock régional": "1", "Lycée A": "8", "Lycée B": "2"}
    assert "Lycée C" not in response.text


@pytest.mark.parametrize("persona", ["it_a", "head_a"])
async def test_staff_of_a_school_see_their_school_only(as_, world, persona):
    await make_report_world(world)
    response = await dashboard(as_(persona))
    assert response.status_code == 200
    assert "Lycée B" not in response.text and "Lycée C" not in response.text
    tables = tables_of(response.text)
    # A1, A2, A3 handed over, A7 reserved (its loan awaits a signature): lent in lycée A.
    assert column(tables["parc-etats"], 1)["prêté"] == "4"
    # One school: the figures per establishment are left out, its lists need no filter.
    assert "parc-etablissements" not in tables
    assert query(link(tables["parc-etats"], "en réparation")) == {
        "path": "/appareils",
        "state": "in_repair",
    }
    # The asset list tells lent devices from the ones on the shelf.
    assert query(link(tables["parc-etats"], "en stock")) == {
        "path": "/appareils",
        "state": "in_stock",
    }


async def test_the_platform_admin_sees_every_region_and_opens_one(as_, world):
    await make_report_world(world)
    client = as_("admin")
    everything = await dashboard(client)
    assert everything.status_code == 200
    rows = re.findall(
        r'<th scope="row"><a href="([^"]+)">([^<]+)</a></th><td class="num">(\d+)', everything.text
    )
    assert [(name, n) for _, name, n in rows[:2]] == [
        ("Centre-Val de Loire", "11"),
        ("Grand Est", "1"),
    ]
    # Across regions, the figures per region stand in for the ones per school.
    assert "parc-etablissements" not in tables_of(everything.text)
    region = await client.get(rows[0][0].replace("&amp;", "&"))
    assert region.status_code == 200
    assert "Tableau de bord – Centre-Val de Loire" in region.text
    assert f'<option value="{UAI_C}"' not in region.text  # the region's schools to choose
    tables = tables_of(region.text)
    # The lists show every region to an admin: a region's totals are not linked, its schools are.
    assert link(tables["parc-etats"], "en réparation") is None
    assert query(link(tables["parc-etablissements"], "Lycée A", 4)) == {
        "path": "/appareils",
        "state": "in_repair",
        "establishment": UAI_A,
    }


@pytest.mark.parametrize(
    ("persona", "params"),
    [
        ("manager_44", "region=24"),
        ("manager_44", f"establishment={UAI_A}"),
        ("it_a", f"establishment={UAI_B}"),
        ("it_a", "region=44"),
        ("head_a", f"establishment={UAI_C}"),
    ],
)
async def test_a_dashboard_out_of_scope_is_not_found(as_, world, persona, params):
    response = await dashboard(as_(persona), params)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Lycée" not in response.text


async def test_a_wrong_date_is_named_in_the_form(as_, world):
    client = as_("manager_24")
    response = await dashboard(client, "du=31/02/2027")
    assert response.status_code == 422
    assert 'id="du-error"' in response.text and 'aria-invalid="true"' in response.text
    response = await dashboard(client, "du=01/02/2027&au=01/01/2027")
    assert response.status_code == 422
    assert "la date de début suit la date de fin" in response.text
    too_long = await dashboard(client, "establishment=" + "9" * 60)
    assert too_long.status_code == 400 and "text/html" in too_long.headers["content-type"]
    assert (await dashboard(client, "establishment=0999999Z")).status_code == 422  # checksum
    assert (await dashboard(client, f"establishment={uai('0450009')}")).status_code == 404


async def test_without_a_period_the_current_school_year_is_shown(as_, world):
    response = await dashboard(as_("manager_24"), "")
    assert response.status_code == 200
    fields = dict(re.findall(r'name="(du|au)"[^>]*value="([^"]*)"', response.text))
    assert re.fullmatch(r"05/07/\d{4}", fields["du"]) and re.fullmatch(r"04/07/\d{4}", fields["au"])


# Charts and their tables -----------------------------------------------------------------------


async def test_every_chart_is_an_svg_image_with_a_title_and_a_data_table(as_, world):
    await make_report_world(world)
    html = (await dashboard(as_("manager_24"))).text
    charts = re.findall(r"<svg .*?</svg>", html, re.S)
    tables = tables_of(html)
    assert len(charts) >= 12
    for text in charts:
        svg = ET.fromstring(text)
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title.text and desc.text
        assert svg.get("aria-labelledby") == title.get("id")
        assert svg.get("aria-describedby") == desc.get("id")
        figure_id = title.get("id").removesuffix("-title")
        assert tables[figure_id]["caption"], f"{figure_id} has no data table"


async def test_the_tables_hold_the_figures_of_the_reports(as_, world):
    await make_report_world(world)
    client = as_("manager_24")
    tables = tables_of((await dashboard(client)).text)
    fleet = (await client.get(f"/api/v1/reports/fleet?{API_PERIOD}")).json()
    coverage = (await client.get(f"/api/v1/reports/coverage?{API_PERIOD}")).json()
    incidents = (await client.get(f"/api/v1/reports/incidents?{API_PERIOD}")).json()
    activity = (await client.get(f"/api/v1/reports/activity?{API_PERIOD}")).json()
    campaigns = (await client.get(f"/api/v1/reports/campaigns?{API_PERIOD}")).json()
    states = column(tables["parc-etats"], 1)
    assert {c["label"]: str(c["count"]) for c in fleet["by_state"] if c["count"]} == {
        k: v for k, v in states.items() if v != "0"
    }
    assert column(tables["parc-modeles"], 2) == {
        f"{m['manufacturer']} {m['name']}": str(m["count"]) for m in fleet["by_model"]
    }
    assert column(tables["parc-annees"], 1) == {
        str(y["year"] or "non renseignée"): str(y["count"]) for y in fleet["by_acquisition_year"]
    }
    assert tables["garanties"]["rows"][-1][-1][0] == str(fleet["warranties"]["count"])
    assert column(tables["couverture-etablissements"], 2) == {
        p["establishment_name"]: str(p["equipped"]) for p in coverage["by_establishment"]
    }
    assert column(tables["retours"], 1)["D – endommagé"] == str(
        incidents["returns_by_condition"]["D"]
    )
    assert column(tables["incidents-modeles"], 5)["Lenovo ThinkPad E14"] == "11,11"  # 1 loss / 9
    months = tables["activite-mois"]["rows"][1:-1]
    assert [(r[1][0], r[2][0]) for r in months] == [
        (str(m["handed_over"]), str(m["returned"])) for m in activity["months"]
    ]
    assert [r[0][0] for r in tables["campagnes"]["rows"][1:]] == [
        c["name"] for c in campaigns["items"]
    ]


# Drill-down ----------------------------------------------------------------------------------


async def test_the_numbers_link_to_the_lists_showing_as_many_rows(as_, world):
    report = await make_report_world(world)
    client = as_("manager_24")
    tables = tables_of((await dashboard(client)).text)
    by_place = tables["parc-etablissements"]
    checks = [
        (link(by_place, "Lycée A", 2), "4"),  # lent: the open loans' devices of lycée A
        (link(by_place, "Lycée A", 4), "1"),  # in repair
        (link(by_place, "Lycée B", 6), "1"),  # stolen
        (link(tables["parc-modeles"], "Apple iPad 10", 2), "2"),
        (link(tables["prets-etablissements"], "Lycée A", 2), "1"),  # awaiting signature
        (link(tables["retours"], "B – bon état"), "1"),
        (link(tables["retours"], "Total"), "2"),
        (link(tables["incidents-etablissements"], "Lycée A", 2), "1"),  # lost
        (link(tables["incidents-etablissements"], "Lycée B", 3), "1"),  # stolen
        (link(tables["incidents-modeles"], "Lenovo ThinkPad E14", 2), "1"),  # lost
    ]
    assert query(checks[0][0]) == {"path": "/appareils", "state": "lent", "establishment": UAI_A}
    assert query(checks[3][0]) == {"path": "/appareils", "model": str(report.tablet_id)}
    for href, expected in checks:
        listed = await client.get(href.replace("&amp;", "&"))
        assert listed.status_code == 200, href
        assert re.search(rf"<strong>{expected} (appareil|prêt)", listed.text), href
    assert query(checks[5][0]) == {
        "path": "/prets",
        "state": "returned",
        "ended_from": "05/07/2026",
        "ended_to": "04/07/2027",
        "condition": "B",
    }
    school = query(link(by_place, "Lycée A", 0))
    assert school == {
        "path": "/tableau-de-bord",
        "establishment": UAI_A,
        "du": "05/07/2026",
        "au": "04/07/2027",
    }
    one = await client.get(link(by_place, "Lycée A", 0).replace("&amp;", "&"))
    assert "Tableau de bord – Lycée A" in one.text
    assert 'href="/tableau-de-bord?region=24' in one.text  # back to the region
    school_page = await client.get(f"/etablissements/{UAI_A}")
    assert f'href="/tableau-de-bord?establishment={UAI_A}"' in school_page.text


async def test_the_returns_of_a_shorter_period_lead_to_that_period_s_loans(as_, world):
    await make_report_world(world)
    client = as_("manager_24")
    tables = tables_of((await dashboard(client, "du=01/01/2027&au=31/01/2027")).text)
    assert column(tables["retours"], 1) == {
        "A – comme neuf": "0",
        "B – bon état": "0",  # returned on 1 December
        "C – usé": "0",
        "D – endommagé": "1",  # returned on 20 January
        "Total": "1",
    }
    assert link(tables["retours"], "B – bon état") is None  # nothing to list
    listed = await client.get(link(tables["retours"], "Total"))
    assert "<strong>1 prêt</strong>" in listed.text
    assert "prêts terminés à partir du 01/01/2027 jusqu'au 31/01/2027 inclus" in listed.text
    december = link(tables_of((await dashboard(client)).text)["activite-mois"], "déc. 26", 2)
    assert query(december)["ended_from"] == "01/12/2026"
    assert query(december)["ended_to"] == "31/12/2026"
    # Returned at 23:30 UTC on 30 November: 1 December in Paris, as the report counts it.
    assert "<strong>1 prêt</strong>" in (await client.get(december)).text
    assert (await client.get("/prets?ended_from=31/02/2027")).status_code == 422
    assert (await client.get("/prets?condition=Z")).status_code == 422


async def test_loans_awaiting_signature_link_to_the_loans_not_handed_over_drafts_included(
    as_, world
):
    await make_report_world(world)
    student = (await make_student("B", class_name="2NDE1")).id
    await make_asset("B3", UAI_B, world.model_id)
    await lifecycle.prepare_loan(
        PLATFORM,
        ACTOR,
        NOW,
        asset_tag="B3",
        student_id=student,
        max_open_per_category=1,
        draft=True,
    )
    client = as_("manager_24")
    tables = tables_of((await dashboard(client)).text)
    awaiting = column(tables["prets-etats"], 1)["En attente de signature"]
    href = link(tables["prets-etats"], "En attente de signature")
    assert (awaiting, query(href)) == ("2", {"path": "/prets", "state": "pending"})
    listed = await client.get(href)
    assert "<strong>2 prêts" in listed.text


async def test_each_overdue_duration_links_to_its_own_loans(as_, world):
    today = clock.today()
    for tag, late in (("B-1", 3), ("B-2", 10), ("B-3", 40), ("B-4", 31)):
        student = (await make_student("B")).id
        await make_asset(tag, UAI_B, world.model_id)
        loan = await lifecycle.prepare_loan(
            PLATFORM, ACTOR, NOW, asset_tag=tag, student_id=student, max_open_per_category=1
        )
        await lifecycle.record_paper_signature(PLATFORM, ACTOR, NOW, loan, NOW.date())
        due = today - dt.timedelta(days=late)
        await lifecycle.hand_over(PLATFORM, ACTOR, NOW, loan, ["chargeur"], due)
    client = as_("it_b")
    table = tables_of((await dashboard(client, "")).text)["prets-retards"]
    assert column(table, 1) == {
        "moins de 7 jours": "1",
        "7 à 30 jours": "1",
        "plus de 30 jours": "2",
    }
    for bucket, expected in (
        ("moins de 7 jours", "1"),
        ("7 à 30 jours", "1"),
        ("plus de 30 jours", "2"),
    ):
        listed = await client.get(link(table, bucket))
        assert re.search(rf"<strong>{expected} prêts?</strong>", listed.text), bucket
    assert query(link(table, "plus de 30 jours")) == {
        "path": "/prets",
        "overdue": "1",
        "due_to": f"{today - dt.timedelta(days=31):%d/%m/%Y}",
    }


async def test_the_asset_list_filters_by_model(as_, world):
    report = await make_report_world(world)
    client = as_("manager_24")
    tablets = await client.get(f"/appareils?model={report.tablet_id}")
    assert re.findall(r'<a href="/appareils/([^"]+)">', tablets.text) == ["A7", "A8"]
    assert f'name="model" value="{report.tablet_id}"' in tablets.text  # kept when re-filtering
    assert (await client.get("/appareils?model=tablette")).status_code == 422


# The charts alone ---------------------------------------------------------------------------


def test_a_label_with_markup_characters_keeps_the_svg_well_formed():
    svg = charts.bars("x", 'Modèles "A" & <B>', [charts.Bar("Dell <Latitude> & co", 3)])
    root = ET.fromstring(str(svg))
    assert root.find(f"{SVG}title").text == 'Modèles "A" & <B>'
    assert [t.text for t in root.iter(f"{SVG}text")] == ["Dell <Latitude> & co", "3"]


def test_stacked_and_column_charts_write_each_count_and_a_legend():
    stacked = ET.fromstring(
        str(charts.stacks("s", "Parc", ["prêté", "en stock"], [charts.Stack("Lycée A", (3, 1))]))
    )
    texts = [t.text for t in stacked.iter(f"{SVG}text")]
    assert texts[:2] == ["prêté", "en stock"] and "3" in texts
    assert stacked.find(f"{SVG}desc").text == "Lycée A : prêté 3, en stock 1"
    monthly = ET.fromstring(
        str(charts.columns("m", "Mois", ["Remises", "Retours"], ["sept. 26"], [(6, 0)]))
    )
    assert [t.text for t in monthly.iter(f"{SVG}text")] == [
        "Remises",
        "Retours",
        "6",
        "sept.",
        "26",
    ]
    # Series differ by pattern, not by colour only.
    patterns = [p for p in monthly.iter(f"{SVG}pattern")]
    assert len(patterns) == 2 and len(patterns[1]) > len(patterns[0])


def test_a_long_period_labels_some_months_and_each_year_once():
    labels = [f"m{n} {2026 + n // 12}" for n in range(26)]
    svg = ET.fromstring(str(charts.columns("m", "Mois", ["Remises"], labels, [(1,)] * len(labels))))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert [t for t in texts if t.startswith("m")] == [f"m{n}" for n in range(0, 26, 2)]
    assert [t for t in texts if t.startswith("20")] == ["2026", "2027", "2028"]


def test_a_chart_of_many_schools_draws_the_first_ones_and_says_so():
    rows = list(range(CHART_ROWS + 5))
    drawn, note = shown(rows, lambda n: -n, "établissements au plus grand parc")
    assert drawn == rows[::-1][:CHART_ROWS]
    assert note.startswith(f"Le graphique montre les {CHART_ROWS} établissements")
    assert shown(rows[:3], lambda n: n, "…") == (rows[:3], "")
