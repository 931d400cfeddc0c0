"""The PDF report through the API: the overview's key figures in its text, fonts embedded,
the same bytes for the same data, scoped like every report."""

from __future__ import annotations

import re

from tests.api.problems import assert_problem
from tests.api.report_pdfs import assert_fonts_embedded, figure, number, pdf_text
from tests.factories import UAI_A
from tests.loans.reports_world import make_report_world

SCHOOL_YEAR = "from=2026-07-05&to=2027-07-04"


async def test_the_region_report_holds_the_key_figures_of_the_overview(as_, world):
    await make_report_world(world)
    client = as_("manager_24")
    query = f"region=24&{SCHOOL_YEAR}"
    response = await client.get(f"/api/v1/reports/report.pdf?{query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="rapport-region-24-' in response.headers["content-disposition"]
    overview = (await client.get(f"/api/v1/reports/overview?{query}")).json()
    text = pdf_text(response.content)
    assert "Région Centre-Val de Loire (24)" in text
    assert "Période du 05/07/2026 au 04/07/2027" in text
    assert figure(text, "Appareils du parc (hors cédés)") == str(overview["devices"]) == "11"
    assert figure(text, "Élèves inscrits") == str(overview["coverage"]["enrolled"])
    assert figure(text, "Élèves équipés") == str(overview["coverage"]["equipped"])
    assert (
        number(figure(text, "Taux d'équipement").removesuffix("%")) == overview["coverage"]["rate"]
    )
    assert figure(text, "Prêts en cours") == str(overview["loans"]["active"])
    assert figure(text, "Prêts en retard") == str(overview["loans"]["overdue"])
    assert figure(text, "Retours sur la période").startswith(f"{overview['returns']} (A : 0")
    losses = re.fullmatch(
        r"(\d+) \(([\d,]+) pour 100 appareils\)", figure(text, "Pertes sur la période")
    )
    assert losses, figure(text, "Pertes sur la période")
    assert int(losses.group(1)) == overview["incidents"]["losses"] == 1
    assert number(losses.group(2)) == overview["incidents"]["loss_rate"] == 9.09
    handed = sum(m["handed_over"] for m in overview["activity"]["months"])
    assert figure(text, "Remises sur la période") == str(handed)
    assert "Lycée A" in text and "Lycée C" not in text
    assert_fonts_embedded(response.content)


async def test_the_same_data_gives_the_same_bytes(as_, world):
    await make_report_world(world)
    client = as_("head_a")
    url = f"/api/v1/reports/report.pdf?establishment={UAI_A}&{SCHOOL_YEAR}"
    first, second = await client.get(url), await client.get(url)
    assert first.status_code == 200, first.text
    assert first.content == second.content
    assert f"Lycée A ({UAI_A})" in pdf_text(first.content)


async def test_an_empty_region_still_gets_its_report(as_, world):
    response = await as_("manager_44").get("/api/v1/reports/report.pdf")
    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    assert figure(text, "Appareils du parc (hors cédés)") == "0"
    assert "Aucune campagne pendant la période." in text


async def test_a_report_out_of_scope_is_not_found(as_, world):
    manager_44 = as_("manager_44")
    assert_problem(await manager_44.get("/api/v1/reports/report.pdf?region=24"), 404, "region")
    response = await manager_44.get(f"/api/v1/reports/report.pdf?establishment={UAI_A}")
    assert_problem(response, 404, "establishment")
