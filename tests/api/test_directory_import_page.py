"""`/regions/{code}/annuaire`: upload AAF files, read the dry run's report, confirm; French,
without JavaScript, for the region's manager and admins only."""

from __future__ import annotations

import re

from loans.tables import Guardian, Student
from tests.api.test_loan_pages import submit
from tests.api.test_pages import is_french_html
from tests.factories import UAI_A
from tests.loans.aaf_files import (
    BILLION_LAUGHS,
    aaf,
    link,
    relative,
    structure,
    student,
)

PAGE = "/regions/24/annuaire"


def export() -> list:
    """An export split in three files, as real ones are."""
    return [
        ("files", ("ENT_Complet_Eleve_0001.xml", aaf(student("E1", relatives=[link("R1")])))),
        ("files", ("ENT_Complet_PersRelEleve_0001.xml", aaf(relative("R1")))),
        ("files", ("ENT_Complet_Etab_0001.xml", aaf(structure("S1", UAI_A)))),
    ]


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


async def test_the_manager_uploads_reads_the_report_then_confirms(desk, world, settings):
    client = await desk("manager_24")
    form = await client.get(PAGE)
    assert form.status_code == 200 and is_french_html(form)
    assert 'enctype="multipart/form-data"' in form.text and "multiple" in form.text

    preview = await submit(client, PAGE, PAGE, {"mode": ""}, files=export())

    assert preview.status_code == 200, preview.text
    assert "Vérification : rien n'est encore écrit" in preview.text
    assert "<strong>1</strong> seraient ajoutés" in preview.text
    assert "Représentants : 1 ajoutés" in preview.text
    assert await Student.count() == 0
    token = hidden(preview.text, "token")
    assert (settings.var_dir / "directory-imports" / token).is_dir()

    done = await submit(
        client, PAGE, f"{PAGE}/confirmer", {"token": token, "mode": hidden(preview.text, "mode")}
    )

    assert done.status_code == 200, done.text
    assert "Import terminé" in done.text and "<strong>1</strong> ont été ajoutés" in done.text
    assert (await Student.count(), await Guardian.count()) == (1, 1)
    assert not (settings.var_dir / "directory-imports" / token).exists()


async def test_a_hostile_file_is_named_on_the_page_and_nothing_is_kept(desk, world, settings):
    client = await desk("manager_24")
    files = [*export(), ("files", ("ENT_Complet_Piege.xml", BILLION_LAUGHS))]

    response = await submit(client, PAGE, PAGE, {"mode": "complet"}, files=files)

    assert response.status_code == 422
    assert "ENT_Complet_Piege.xml : fichier refusé" in response.text
    assert 'aria-invalid="true"' in response.text
    assert list((settings.var_dir / "directory-imports").iterdir()) == []
    assert await Student.count() == 0


async def test_an_unknown_or_foreign_token_imports_nothing(desk, world):
    owner = await desk("manager_24")
    preview = await submit(owner, PAGE, PAGE, {"mode": "complet"}, files=export())
    token = hidden(preview.text, "token")
    admin = await desk("admin")

    foreign = await submit(admin, PAGE, f"{PAGE}/confirmer", {"token": token, "mode": "complet"})
    forged = await submit(owner, PAGE, f"{PAGE}/confirmer", {"token": "../../x", "mode": ""})

    assert foreign.status_code == 404 and "déposez-les à nouveau" in foreign.text
    assert forged.status_code == 404
    assert await Student.count() == 0


async def test_the_mode_is_asked_for_when_the_file_names_do_not_say_it(desk, world):
    client = await desk("admin")
    files = [("files", ("eleves.xml", aaf(structure("S1", UAI_A), student("E1"))))]

    response = await submit(client, PAGE, PAGE, {"mode": ""}, files=files)

    assert response.status_code == 422 and "précisez le type d&#39;import" in response.text


async def test_the_page_is_for_the_region_s_manager_and_admins_only(desk, world):
    assert (await (await desk("manager_44")).get(PAGE)).status_code == 404
    assert (await (await desk("it_a")).get(PAGE)).status_code == 403
    assert (await (await desk("admin")).get(PAGE)).status_code == 200
    listing = await (await desk("manager_24")).get("/etablissements")
    assert 'href="/regions/24/annuaire"' in listing.text
