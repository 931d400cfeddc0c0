"""The signing pages through httpx, as a browser without JavaScript would send them (the
drawing arrives as a PNG data URL, as signature.js puts it in its hidden field): the status
on the loan and hand-over pages, signing in person one signer after another, errors next to
their fields, a remote link that works once, the paper scan, CSRF, roles and scope."""

from __future__ import annotations

import base64
import re
from email.message import EmailMessage

from api.clock import utcnow
from loans import signing_links
from loans.records import get_loan
from loans.tables import Document, Guardian, Signature, SigningLink
from tests.api.test_loan_pages import read, submit, today
from tests.api.test_pages import csrf_token, is_french_html
from tests.conftest import client_for
from tests.factories import ACTOR, PLATFORM, UAI_C
from tests.loans.agreement_factories import PUBLIC_URL, add_guardian, awaiting_loan, png

DRAWING = "data:image/png;base64," + base64.b64encode(png()).decode()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"


async def minor_with_guardian(world, tag: str = "S-1"):
    loan_id, student_id = await awaiting_loan(world, tag)
    await add_guardian(student_id, "Claire")
    return loan_id


async def start(client, loan_id: int):
    """« Signer sur place » on the loan page."""
    return await submit(client, f"/prets/{loan_id}", f"/prets/{loan_id}/signature/commencer", {})


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, name
    return match.group(1)


async def sign_next(client, loan_id: int, **changes):
    """The signing page as offered, « J'ai lu » ticked, a drawing, « Valider »."""
    page = (await client.get(f"/prets/{loan_id}/signature")).text
    fields = {
        "signataire": hidden(page, "signataire"),
        "version": hidden(page, "version"),
        "sha256": hidden(page, "sha256"),
        "lu": "oui",
        "signature": DRAWING,
        "_csrf_token": csrf_token(page),
        **changes,
    }
    return await client.post(f"/prets/{loan_id}/signature", data=fields)


# Status ----------------------------------------------------------------------------------------


async def test_the_loan_page_offers_to_sign_in_person_before_the_agreement_is_issued(desk, world):
    loan_id = await minor_with_guardian(world)
    response = await (await desk("it_a")).get(f"/prets/{loan_id}")
    text = read(response.text)
    assert response.status_code == 200 and is_french_html(response)
    assert "La convention n'a pas encore été émise." in text
    assert f'action="/prets/{loan_id}/signature/commencer"' in response.text
    assert "Signer sur place" in text and "Envoyer un lien de signature" in text
    assert "Déposer la convention signée (scan)" in text


async def test_the_loan_and_hand_over_pages_show_each_signer_signed_or_to_sign(desk, world):
    loan_id = await minor_with_guardian(world)
    client = await desk("admin")
    await start(client, loan_id)
    assert (await sign_next(client, loan_id)).status_code == 303
    text = read((await client.get(f"/prets/{loan_id}")).text)
    assert "Version 1" in text and "Lire la convention (PDF, version 1)" in text
    signed_at = (await Signature.select(Signature.signed_at).first())["signed_at"]
    assert re.search(r"\(élève\) : signé sur place le \d\d/\d\d/\d{4} \d\d:\d\d", text)
    assert "Claire MARTIN (représentant légal) : à signer" in text
    assert signed_at is not None
    hand_over = read((await client.get(f"/prets/{loan_id}/remise")).text)
    assert "La remise attend encore la signature de : Claire MARTIN (représentant légal)" in (
        hand_over
    )


# In person -------------------------------------------------------------------------------------


async def test_each_signer_signs_in_person_in_turn_then_the_device_is_handed_over(desk, world):
    loan_id = await minor_with_guardian(world)
    client = await desk("admin")
    response = await start(client, loan_id)
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/prets/{loan_id}/signature",
    )
    page = await client.get(f"/prets/{loan_id}/signature")
    assert "(élève)" in read(page.text) and "J'ai lu la convention" in read(page.text)
    assert '<canvas id="signature"' in page.text and "/static/signature.js" in page.text
    assert "Sans JavaScript, la signature à l'écran n'est pas possible." in read(page.text)
    locations = [(await sign_next(client, loan_id)).headers["location"] for _ in range(3)]
    assert locations == [
        f"/prets/{loan_id}/signature?fait=1",
        f"/prets/{loan_id}/signature?fait=1",
        f"/prets/{loan_id}/remise?fait=signee",
    ]
    rows = await Signature.select(
        Signature.role, Signature.method, Signature.client_address, Signature.user_agent
    ).order_by(Signature.id)
    assert [(r["role"], r["method"]) for r in rows] == [
        ("student", "in_person"),
        ("guardian", "in_person"),
        ("head_of_school", "in_person"),
    ]
    assert all(r["client_address"] and r["user_agent"] for r in rows)
    sealed = await Document.select(Document.kind).where(Document.kind == "sealed_agreement")
    assert len(sealed) == 1  # the last signature sealed the record
    hand_over = await client.get(f"/prets/{loan_id}/remise?fait=signee")
    assert "Convention signée par toutes les parties" in read(hand_over.text)
    ticked = [("accessories", "chargeur"), ("accessories", "housse")]  # as the page ticks them
    done = await submit(client, f"/prets/{loan_id}/remise", f"/prets/{loan_id}/remise", ticked)
    assert done.status_code == 303
    assert (await get_loan(PLATFORM, loan_id, today())).state == "active"


async def test_handing_over_without_an_accessory_signed_for_asks_to_sign_a_new_version(desk, world):
    loan_id = await minor_with_guardian(world, "S-9")
    client = await desk("admin")
    await start(client, loan_id)
    for _ in range(3):
        await sign_next(client, loan_id)
    form = f"/prets/{loan_id}/remise"
    done = await submit(client, form, form, [("accessories", "chargeur")])
    text = read(done.text)
    assert done.status_code == 409
    assert "accessoires remis : chargeur (convention : chargeur, housse)" in text
    assert "nouvelle version de la convention (version 2)" in text
    assert (await get_loan(PLATFORM, loan_id, today())).state == "awaiting_signature"
    again = await client.get(f"/prets/{loan_id}/remise")
    assert 'value="housse"' in again.text and 'value="housse" checked' not in again.text


async def test_not_read_and_nothing_drawn_are_said_next_to_their_fields(desk, world):
    loan_id = await minor_with_guardian(world)
    client = await desk("it_a")
    await start(client, loan_id)
    response = await sign_next(client, loan_id, lu="", signature="")
    text = read(response.text)
    assert response.status_code == 422
    assert "Cochez « J'ai lu la convention » avant de signer." in text
    assert "Signez dans le cadre avant de valider (le dessin est vide)." in text
    assert '<a href="#lu">' in response.text and '<a href="#signature">' in response.text
    assert 'id="lu-error"' in response.text and 'id="signature-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert await Signature.count() == 0


async def test_an_outdated_version_is_said_next_to_the_convention(desk, world):
    loan_id = await minor_with_guardian(world)
    client = await desk("it_a")
    await start(client, loan_id)
    response = await sign_next(client, loan_id, version="7")
    assert response.status_code == 409
    assert 'id="convention-error"' in response.text
    assert "La version 7 de la convention n'est plus en vigueur" in read(response.text)
    assert await Signature.count() == 0


async def test_a_drawing_that_is_not_a_png_is_refused_next_to_the_canvas(desk, world):
    loan_id = await minor_with_guardian(world)
    client = await desk("it_a")
    await start(client, loan_id)
    jpeg = "data:image/jpeg;base64," + base64.b64encode(JPEG).decode()
    response = await sign_next(client, loan_id, signature=jpeg)
    assert response.status_code == 422 and 'id="signature-error"' in response.text


# Roles, scope, CSRF ----------------------------------------------------------------------------


async def test_the_head_signs_for_the_school_only(desk, world):
    loan_id = await minor_with_guardian(world)
    await start(await desk("it_a"), loan_id)
    head = await desk("head_a")
    page = await head.get(f"/prets/{loan_id}/signature")
    assert hidden(page.text, "signataire") == "head_of_school"
    refused = await sign_next(head, loan_id, signataire="student")
    assert refused.status_code == 403
    assert "ne signe ici que pour l'établissement" in read(refused.text)
    assert (await sign_next(head, loan_id)).status_code == 303
    assert [r["role"] for r in await Signature.select(Signature.role)] == ["head_of_school"]


async def test_it_staff_never_sign_for_the_school(desk, world):
    loan_id = await minor_with_guardian(world)
    client = await desk("it_a")
    await start(client, loan_id)
    assert (await sign_next(client, loan_id, signataire="head_of_school")).status_code == 403


async def test_a_region_manager_of_another_region_finds_no_such_loan(desk, world):
    loan_id = await minor_with_guardian(world)
    other = await desk("manager_44")
    assert (await other.get(f"/prets/{loan_id}/signature")).status_code == 404
    token = csrf_token((await other.get("/prets")).text)
    for action in ("commencer", ""):
        url = f"/prets/{loan_id}/signature" + (f"/{action}" if action else "")
        assert (await other.post(url, data={"_csrf_token": token})).status_code == 404
    own = await desk("manager_24")
    assert (await own.get(f"/prets/{loan_id}/signature")).status_code == 403


async def test_signing_forms_without_their_csrf_token_are_refused(desk, world):
    loan_id = await minor_with_guardian(world)
    client = await desk("admin")
    await start(client, loan_id)
    for url in (f"/prets/{loan_id}/signature", f"/prets/{loan_id}/signature/commencer"):
        response = await client.post(url, data={"lu": "oui", "signature": DRAWING})
        assert response.status_code == 403
    assert await Signature.count() == 0


# Remote links ----------------------------------------------------------------------------------


async def mailed_link(
    world, loan_id: int, role: str = "student", guardian_id: int | None = None
) -> str:
    """A link as create_signing_link mails it; the token read from the message."""
    sent: list[EmailMessage] = []

    async def send(message: EmailMessage) -> None:
        sent.append(message)

    await signing_links.create_signing_link(
        PLATFORM,
        ACTOR,
        utcnow(),
        loan_id,
        role=role,
        guardian_id=guardian_id,
        email="camille@example.fr",
        public_url=PUBLIC_URL,
        send=send,
    )
    body = sent[0].get_body(("plain",)).get_content()
    return re.search(r"/signer/([A-Za-z0-9_-]+)", body).group(1)


async def test_a_remote_link_signs_once_then_refuses(app, desk, world):
    loan_id = await minor_with_guardian(world)
    await start(await desk("it_a"), loan_id)
    token = await mailed_link(world, loan_id)
    async with client_for(app) as visitor:  # no account
        page = await visitor.get(f"/signer/{token}")
        assert page.status_code == 200 and is_french_html(page)
        assert page.headers["referrer-policy"] == "no-referrer"
        assert f'href="/signer/{token}/convention.pdf"' in page.text
        pdf = await visitor.get(f"/signer/{token}/convention.pdf")
        assert (pdf.status_code, pdf.content[:5]) == (200, b"%PDF-")
        missing = await visitor.post(
            f"/signer/{token}",
            data={"_csrf_token": csrf_token(page.text), "version": hidden(page.text, "version")},
        )
        assert missing.status_code == 422 and 'id="lu-error"' in missing.text
        fields = {
            "_csrf_token": csrf_token(page.text),
            "version": hidden(page.text, "version"),
            "sha256": hidden(page.text, "sha256"),
            "lu": "oui",
            "signature": DRAWING,
        }
        signed = await visitor.post(f"/signer/{token}", data=fields)
        assert (signed.status_code, signed.headers["location"]) == (303, "/signer/merci")
        thanks = await visitor.get("/signer/merci")
        assert "Merci, votre signature est enregistrée" in read(thanks.text)
        again = await visitor.get(f"/signer/{token}")
        assert again.status_code == 410
        assert "Ce lien a déjà servi" in read(again.text) and "Élève" not in again.text
        resent = await visitor.post(f"/signer/{token}", data=fields)
        assert resent.status_code == 410
        assert (await visitor.get(f"/signer/{token}/convention.pdf")).status_code == 410
        unknown = await visitor.get("/signer/pas-un-jeton")
        assert unknown.status_code == 404 and "n'existe pas" in read(unknown.text)
    rows = await Signature.select(Signature.role, Signature.method)
    assert rows == [{"role": "student", "method": "remote"}]
    assert (await SigningLink.select(SigningLink.used_at).first())["used_at"] is not None


async def test_the_remote_form_without_its_csrf_token_is_refused(app, desk, world):
    loan_id = await minor_with_guardian(world)
    await start(await desk("it_a"), loan_id)
    token = await mailed_link(world, loan_id)
    async with client_for(app) as visitor:
        response = await visitor.post(
            f"/signer/{token}", data={"lu": "oui", "signature": DRAWING, "version": "1"}
        )
    assert response.status_code == 403
    assert await Signature.count() == 0


async def test_without_a_mail_server_the_link_form_says_so_plainly(desk, world):
    loan_id = await minor_with_guardian(world)
    client = await desk("it_a")
    await start(client, loan_id)
    page = await client.get(f"/prets/{loan_id}/signature/lien")
    assert "L'envoi de courriels n'est pas configuré sur ce serveur" in read(page.text)
    response = await submit(
        client,
        f"/prets/{loan_id}",
        f"/prets/{loan_id}/signature/lien",
        {"signataire": "student", "email": "camille@example.fr"},
    )
    assert response.status_code == 503
    assert "L'envoi de courriels n'est pas configuré" in read(response.text)


# Paper -----------------------------------------------------------------------------------------


async def test_the_signed_paper_scan_signs_for_every_party_on_paper(desk, world):
    loan_id = await minor_with_guardian(world)
    client = await desk("it_a")
    response = await submit(
        client,
        f"/prets/{loan_id}/signature/papier",
        f"/prets/{loan_id}/signature/papier",
        {},
        files={"scan": ("convention.jpg", JPEG, "image/jpeg")},
    )
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/prets/{loan_id}/remise?fait=signee",
    )
    rows = await Signature.select(Signature.role, Signature.method, Signature.scan_sha256)
    assert sorted(r["role"] for r in rows) == ["guardian", "head_of_school", "student"]
    assert {r["method"] for r in rows} == {"paper"} and all(r["scan_sha256"] for r in rows)
    assert await Document.count().where(Document.kind == "sealed_agreement") == 1


async def test_a_paper_scan_signs_for_a_minors_guardian_not_recorded_with_the_others(desk, world):
    loan_id, _ = await awaiting_loan(world, "S-12")  # a minor, no guardian recorded
    client = await desk("it_a")
    form = f"/prets/{loan_id}/signature/papier"
    response = await submit(
        client, form, form, {}, files={"scan": ("convention.jpg", JPEG, "image/jpeg")}
    )
    assert response.status_code == 303
    rows = await Signature.select(Signature.role, Signature.guardian, Signature.user_agent)
    assert sorted((r["role"], r["guardian"]) for r in rows) == [
        ("guardian", None),
        ("head_of_school", None),
        ("student", None),
    ]
    assert all(r["user_agent"] for r in rows)
    assert await Document.count().where(Document.kind == "paper_scan") == 1


async def test_a_scan_that_is_not_a_pdf_or_an_image_is_refused_next_to_the_field(desk, world):
    loan_id = await minor_with_guardian(world)
    client = await desk("it_a")
    response = await submit(
        client,
        f"/prets/{loan_id}/signature/papier",
        f"/prets/{loan_id}/signature/papier",
        {},
        files={"scan": ("convention.pdf", b"GIF89a pas un pdf", "application/pdf")},
    )
    assert response.status_code == 422 and 'id="scan-error"' in response.text
    assert "ni un PDF, ni une image JPEG ou PNG" in read(response.text)
    assert await Signature.count() == 0


async def test_another_regions_loan_has_no_signing_forms(desk, world):
    loan_id, _ = await awaiting_loan(world, "C-1", uai=UAI_C)
    client = await desk("it_a")
    assert (await client.get(f"/prets/{loan_id}/signature/papier")).status_code == 404
    assert (await client.get(f"/prets/{loan_id}/signature/lien")).status_code == 404


async def test_the_last_signature_given_through_a_remote_link_seals_the_record(app, desk, world):
    loan_id = await minor_with_guardian(world)
    client = await desk("admin")
    await start(client, loan_id)
    await sign_next(client, loan_id)  # the student
    await sign_next(client, loan_id, signataire="head_of_school")
    guardian = await Guardian.select(Guardian.id).first()
    token = await mailed_link(world, loan_id, role="guardian", guardian_id=guardian["id"])
    async with client_for(app) as guardian:  # no account
        page = await guardian.get(f"/signer/{token}")
        fields = {
            "_csrf_token": csrf_token(page.text),
            "version": hidden(page.text, "version"),
            "sha256": hidden(page.text, "sha256"),
            "lu": "oui",
            "signature": DRAWING,
        }
        signed = await guardian.post(f"/signer/{token}", data=fields)
        assert signed.status_code == 303
    assert await Document.count().where(Document.kind == "sealed_agreement") == 1
