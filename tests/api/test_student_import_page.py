"""The student CSV import as pages: the file is checked (nothing written), the errors are
listed by line and column in French, the very file previewed is imported on confirmation
without sending it again, and only by the account that sent it."""

from __future__ import annotations

import re

from loans.student_history import student_history
from loans.tables import Guardian, Student
from tests.api.test_loan_pages import read, submit
from tests.api.test_pages import csrf_token, is_french_html
from tests.factories import PLATFORM, UAI_A, UAI_B

PAGE = "/eleves/import"
HEADER = "uai;ent_id;ine;last_name;first_name;birth_date;class_name;"
HEADER += "guardian1_last_name;guardian1_first_name;guardian1_email;guardian1_legal_authority\n"


def csv(*lines: str) -> dict:
    return {"fichier": ("eleves.csv", (HEADER + "\n".join(lines) + "\n").encode(), "text/csv")}


GOOD = csv(
    f"{UAI_A};ENT-1;;Durand;Léa;14/03/2010;2nde 3;Durand;Claire;claire@example.fr;oui",
    f"{UAI_A};ENT-2;;Martin;Hugo;02/05/2009;1G2;;;;",
)


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def kept(settings) -> list[str]:
    folder = settings.var_dir / "student-imports"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


async def test_the_file_is_checked_then_imported_on_confirmation(signed_in, world, settings):
    client = await signed_in("it_a")
    form = await client.get(PAGE)
    assert form.status_code == 200 and is_french_html(form)
    assert 'enctype="multipart/form-data"' in form.text

    preview = await submit(client, PAGE, PAGE, {}, files=GOOD)

    assert preview.status_code == 200, preview.text
    text = read(preview.text)
    assert "Vérification de eleves.csv : rien n'est encore écrit" in text
    assert "2 élèves seraient inscrits" in text
    assert await Student.count() == 0
    token = token_of(preview.text)
    assert kept(settings) == [f"{token}.csv", f"{token}.json"]

    done = await client.post(
        f"{PAGE}/confirmer", data={"token": token, "_csrf_token": csrf_token(preview.text)}
    )

    assert done.status_code == 200, done.text
    assert "Le fichier eleves.csv a été importé : 2 élèves inscrits, 0 mis à jour." in read(
        done.text
    )
    assert (await Student.count(), await Guardian.count()) == (2, 1)
    assert kept(settings) == []  # minors' data does not stay on disk
    lea = await Student.select(Student.id).where(Student.ent_id == "ENT-1").first()
    assert [e.action for e in await student_history(PLATFORM, lea["id"])] == ["imported"]


async def test_errors_are_listed_by_line_and_column_and_nothing_is_kept(signed_in, world, settings):
    client = await signed_in("it_a")
    wrong = csv(
        f"{UAI_A};ENT-1;;Durand;Léa;31/02/2010;2NDE3;;;;",
        f"{UAI_B};ENT-2;;Martin;Hugo;02/05/2009;1G2;Martin;Paul;pas-un-courriel;oui",
    )
    preview = await submit(client, PAGE, PAGE, {}, files=wrong)
    assert preview.status_code == 422
    rows = re.findall(
        r"<tr><th scope=\"row\">(\d+)</th><td data-label=\"Colonne\">([^<]*)</td>"
        r"<td data-label=\"Erreur\">([^<]*)</td></tr>",
        preview.text,
    )
    errors = {(int(line), column): message for line, column, message in rows}
    assert "date" in errors[(2, "birth_date")]
    assert "périmètre" in errors[(3, "uai")]  # lycée B is not it_a's
    assert "adresse électronique invalide" in errors[(3, "guardian1_email")]
    assert "rien n'a été importé" in read(preview.text)
    assert 'name="token"' not in preview.text  # nothing to confirm
    assert kept(settings) == []
    assert await Student.count() == 0


async def test_a_page_without_a_file_says_so_next_to_the_field(signed_in, world):
    client = await signed_in("it_a")
    response = await submit(client, PAGE, PAGE, {"rien": ""})
    assert response.status_code == 422
    assert 'id="fichier-error">Choisissez le fichier CSV des élèves.' in response.text


async def test_only_the_account_that_sent_the_file_can_import_it(signed_in, world, settings):
    owner = await signed_in("it_a")
    preview = await submit(owner, PAGE, PAGE, {}, files=GOOD)
    token = token_of(preview.text)
    other = await signed_in("it_ab")
    form = await other.get(PAGE)
    response = await other.post(
        f"{PAGE}/confirmer", data={"token": token, "_csrf_token": csrf_token(form.text)}
    )
    assert response.status_code == 404
    assert "Fichier introuvable ou expiré : déposez-le à nouveau." in read(response.text)
    assert await Student.count() == 0
    for forged in ("../../etc/passwd", ""):
        response = await other.post(
            f"{PAGE}/confirmer", data={"token": forged, "_csrf_token": csrf_token(form.text)}
        )
        assert response.status_code == 404


async def test_a_file_is_imported_once(signed_in, world):
    client = await signed_in("it_a")
    preview = await submit(client, PAGE, PAGE, {}, files=GOOD)
    data = {"token": token_of(preview.text), "_csrf_token": csrf_token(preview.text)}
    assert (await client.post(f"{PAGE}/confirmer", data=data)).status_code == 200
    assert (await client.post(f"{PAGE}/confirmer", data=data)).status_code == 404
    assert await Student.count() == 2


async def test_the_confirmation_needs_the_csrf_token(signed_in, world):
    client = await signed_in("it_a")
    preview = await submit(client, PAGE, PAGE, {}, files=GOOD)
    response = await client.post(f"{PAGE}/confirmer", data={"token": token_of(preview.text)})
    assert response.status_code == 403
    assert await Student.count() == 0
