"""The student and guardian space through httpx, as a browser without JavaScript: what a
linked student or guardian sees, what an unknown account does not, documents and loans of
others (404), signing inside the ENT session, and signing out."""

from __future__ import annotations

import base64
import re

from api.infra.storage import STATE_KEY
from loans import agreements
from loans.ent_identity import GUARDIAN, OIDC
from loans.tables import Document, Guardian, Signature, Student
from tests.api.test_loan_pages import read, submit
from tests.api.test_pages import is_french_html
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, active_loan, make_student
from tests.factories import ent_identity as identity
from tests.loans.agreement_factories import (
    ADULT,
    PUBLIC_URL,
    add_guardian,
    awaiting_loan,
    in_person,
    png,
)

DRAWING = "data:image/png;base64," + base64.b64encode(png()).decode()


async def _guardian(student_id: int, key: str, authority: bool = True) -> int:
    guardian_id = await add_guardian(student_id, "Claire", legal_authority=authority)
    await Guardian.update({Guardian.ent_id: key}).where(Guardian.id == guardian_id)
    return guardian_id


async def test_a_student_linked_by_ent_key_sees_their_loan_and_what_to_bring_back(world, ent):
    student = await make_student("A", ent_id="K-1")
    loan_id = await active_loan(world, "P-001", UAI_A, student.id)
    client = await ent(identity("K-1"))
    home = await client.get("/mon-espace")
    assert home.status_code == 200 and is_french_html(home)
    text = read(home.text)
    assert "Mes prêts" in text and "Lenovo ThinkPad E14" in text and "P-001" in text
    assert "04/07/2027" in text
    assert home.headers["cache-control"] == "no-store"
    loan = read((await client.get(f"/mon-espace/prets/{loan_id}")).text)
    assert "À rapporter au lycée" in loan and "chargeur" in loan and "SN" in loan
    assert "Déclarer une perte ou un vol" in loan


async def test_an_unknown_account_gets_a_french_page_and_no_data(world, ent):
    other = await make_student("A", ent_id="K-OTHER")
    loan_id = await active_loan(world, "P-001", UAI_A, other.id)
    client = await ent(identity("K-UNKNOWN", last_name="Inconnu"))
    for path in ("/mon-espace", f"/mon-espace/prets/{loan_id}", f"/mon-espace/eleves/{other.id}"):
        response = await client.get(path)
        assert response.status_code == 403 and is_french_html(response)
        assert "Nous ne trouvons pas de fiche d'élève" in read(response.text)
        assert "P-001" not in response.text and other.last_name not in response.text


async def test_without_an_ent_session_the_space_leads_to_the_sign_in(client):
    response = await client.get("/mon-espace")
    assert response.status_code == 303 and response.headers["location"] == "/connexion"


async def test_a_guardian_sees_only_the_children_over_whom_they_have_legal_authority(world, ent):
    lea = await make_student("A", first_name="Léa")
    tom = await make_student("A", first_name="Tom")
    lea_loan = await active_loan(world, "P-LEA", UAI_A, lea.id)
    tom_loan = await active_loan(world, "P-TOM", UAI_A, tom.id)
    await _guardian(lea.id, "G-1", authority=True)
    await _guardian(tom.id, "G-1", authority=False)
    client = await ent(identity("G-1", kind=GUARDIAN, method=OIDC))
    home = read((await client.get("/mon-espace")).text)
    assert "P-LEA" in home and "P-TOM" not in home
    assert (await client.get(f"/mon-espace/prets/{lea_loan}")).status_code == 200
    assert (await client.get(f"/mon-espace/prets/{tom_loan}")).status_code == 404
    assert (await client.get(f"/mon-espace/eleves/{tom.id}")).status_code == 404

    await Guardian.update({Guardian.legal_authority: True}).where(Guardian.student == tom.id)
    chooser = read((await client.get("/mon-espace")).text)
    assert "Choisissez l'élève" in chooser and "Léa" in chooser and "Tom" in chooser
    assert "P-TOM" in read((await client.get(f"/mon-espace/eleves/{tom.id}")).text)


async def test_a_guardian_without_legal_authority_sees_nothing(world, ent):
    student = await make_student("A")
    await active_loan(world, "P-001", UAI_A, student.id)
    await _guardian(student.id, "G-1", authority=False)
    response = await (await ent(identity("G-1", kind=GUARDIAN))).get("/mon-espace")
    assert response.status_code == 403 and "Aucun élève n'est rattaché" in read(response.text)
    assert "P-001" not in response.text


async def issued_for(app, world, tag: str, key: str) -> tuple[int, int]:
    """A minor's loan awaiting signatures, its convention issued, the student linked to `key`."""
    loan_id, student_id = await awaiting_loan(world, tag)
    await Student.update({Student.ent_id: key}).where(Student.id == student_id)
    await agreements.issue_agreement(
        app.state[STATE_KEY], PLATFORM, ACTOR, NOW, loan_id, PUBLIC_URL
    )
    return loan_id, student_id


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, name
    return match.group(1)


async def sign_in_space(client, loan_id: int):
    form = (await client.get(f"/mon-espace/prets/{loan_id}/signer")).text
    fields = {
        "version": _hidden(form, "version"),
        "sha256": _hidden(form, "sha256"),
        "lu": "oui",
        "signature": DRAWING,
    }
    return await submit(
        client, f"/mon-espace/prets/{loan_id}/signer", f"/mon-espace/prets/{loan_id}/signer", fields
    )


async def test_a_student_signs_their_own_convention_and_the_signature_keeps_key_and_method(
    app, world, ent
):
    mine, _ = await issued_for(app, world, "P-1", "K-1")
    theirs, _ = await issued_for(app, world, "P-2", "K-2")
    client = await ent(identity("K-1"))
    assert "attend votre signature" in read((await client.get("/mon-espace")).text)
    pdf = await client.get(f"/mon-espace/prets/{mine}/convention.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert (await client.get(f"/mon-espace/prets/{theirs}/convention.pdf")).status_code == 404
    assert (await client.get(f"/mon-espace/prets/{theirs}/signer")).status_code == 404

    signed = await sign_in_space(client, mine)
    assert signed.status_code == 303
    assert signed.headers["location"] == f"/mon-espace/prets/{mine}?fait=signee"
    rows = await Signature.select().where(Signature.agreement.loan == mine)
    assert [(r["role"], r["method"], r["ent_key"], r["auth_method"]) for r in rows] == [
        ("student", "remote", "K-1", "cas")
    ]
    page = read((await client.get(f"/mon-espace/prets/{mine}?fait=signee")).text)
    assert "Merci, votre signature est enregistrée" in page
    assert "Lire et signer" not in page  # signed once: nothing more to sign
    assert await Signature.count().where(Signature.agreement.loan == theirs) == 0


async def test_a_guardian_signs_as_the_guardian_with_the_method_of_their_session(app, world, ent):
    loan_id, student_id = await issued_for(app, world, "P-1", "K-1")
    guardian_id = await _guardian(student_id, "G-1")
    # The convention was issued before this guardian existed: issue it again to ask them.
    await agreements.issue_agreement(
        app.state[STATE_KEY], PLATFORM, ACTOR, NOW, loan_id, PUBLIC_URL
    )
    client = await ent(identity("G-1", kind=GUARDIAN, method=OIDC))
    assert (await sign_in_space(client, loan_id)).status_code == 303
    row = await Signature.select().where(Signature.role == "guardian").first()
    assert (row["guardian"], row["ent_key"], row["auth_method"]) == (guardian_id, "G-1", "oidc")


async def test_a_student_reads_only_their_own_documents(app, world, ent):
    mine, _ = await issued_for(app, world, "P-1", "K-1")
    theirs, _ = await issued_for(app, world, "P-2", "K-2")
    client = await ent(identity("K-1"))
    assert (await sign_in_space(client, mine)).status_code == 303
    own = await Document.select(Document.id, Document.kind).where(Document.loan == mine)
    other = await Document.select(Document.id).where(Document.loan == theirs).first()
    agreement = next(d["id"] for d in own if d["kind"] == "agreement")
    drawing = next(d["id"] for d in own if d["kind"] == "signature")
    listed = (await client.get(f"/mon-espace/prets/{mine}")).text
    assert f'href="/mon-espace/documents/{agreement}"' in listed
    response = await client.get(f"/mon-espace/documents/{agreement}")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert (await client.get(f"/mon-espace/documents/{other['id']}")).status_code == 404
    assert (await client.get(f"/mon-espace/documents/{drawing}")).status_code == 404  # school's
    assert (await client.get("/mon-espace/documents/999999")).status_code == 404


async def test_signing_out_ends_the_space(world, ent):
    await make_student("A", ent_id="K-1")
    client = await ent(identity("K-1"))
    out = await submit(client, "/mon-espace", "/mon-espace/deconnexion", {})
    assert out.status_code == 303 and out.headers["location"] == "/mon-espace/au-revoir"
    assert "Vous êtes déconnecté" in read((await client.get("/mon-espace/au-revoir")).text)
    again = await client.get("/mon-espace")
    assert again.status_code == 303 and again.headers["location"] == "/connexion"


async def test_the_last_signature_in_the_space_seals_the_convention_the_student_can_download(
    app, world, ent
):
    loan_id, student_id = await awaiting_loan(world, "P-1", birth_date=ADULT)
    await Student.update({Student.ent_id: "K-1"}).where(Student.id == student_id)
    storage = app.state[STATE_KEY]
    status = await agreements.issue_agreement(storage, PLATFORM, ACTOR, NOW, loan_id, PUBLIC_URL)
    await agreements.sign(
        storage,
        PLATFORM,
        ACTOR,
        NOW,
        loan_id,
        in_person(status, "head_of_school"),
        head_delegation=True,
    )
    client = await ent(identity("K-1"))
    assert (await sign_in_space(client, loan_id)).status_code == 303
    sealed = await Document.select(Document.id).where(
        (Document.loan == loan_id) & (Document.kind == "sealed_agreement")
    )
    assert len(sealed) == 1
    page = read((await client.get(f"/mon-espace/prets/{loan_id}")).text)
    assert "Convention signée (scellée) (version 1)" in page
    download = await client.get(f"/mon-espace/documents/{sealed[0]['id']}")
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
