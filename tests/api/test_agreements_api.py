"""The agreement over HTTP: issue, status, PDF, signatures, remote links (mailed through a
real SMTP server on loopback), and who may do what."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

import pytest

from api.settings import SmtpSettings
from inventory.errors import Conflict, NotFound
from loans import signing_links
from loans.storage import DirectoryStorage
from loans.tables import Signature, SigningLink
from tests.api.problems import assert_problem
from tests.api.test_send_reminders import SENDER, smtp_server  # noqa: F401 - a fixture
from tests.conftest import with_changes
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A
from tests.loans.agreement_factories import ADULT, add_guardian, awaiting_loan, issue, png

LOANS = "/api/v1/loans"


def data_url(content: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(content).decode()


async def issued(as_, world, tag: str, **fields) -> tuple[int, dict]:
    loan_id, _ = await awaiting_loan(world, tag, **fields)
    response = await as_("it_a").post(f"{LOANS}/{loan_id}/agreement")
    assert response.status_code == 200, response.text
    return loan_id, response.json()


def body(status: dict, role: str, **changes) -> dict:
    return {
        "version": status["version"],
        "sha256": status["sha256"],
        "role": role,
        "method": "in_person",
        "image_png": data_url(png()),
        **changes,
    }


async def test_an_issued_agreement_is_read_with_its_signers_and_its_pdf(as_, world):
    loan_id, status = await issued(as_, world, "G-1", birth_date=ADULT)
    assert [s["role"] for s in status["signers"]] == ["student", "head_of_school"]
    head = as_("head_a")
    read = (await head.get(f"{LOANS}/{loan_id}/agreement")).json()
    assert (read["version"], read["complete"]) == (1, False)
    for url in (f"{LOANS}/{loan_id}/agreement?format=pdf", f"{LOANS}/{loan_id}/agreement.pdf"):
        pdf = await head.get(url)
        assert pdf.headers["content-type"] == "application/pdf"
        assert hashlib.sha256(pdf.content).hexdigest() == status["sha256"]


async def test_an_in_person_signing_then_the_head_completes_the_agreement(as_, world):
    loan_id, status = await issued(as_, world, "G-2", birth_date=ADULT)
    desk = as_("it_a")
    response = await desk.post(
        f"{LOANS}/{loan_id}/signatures",
        json=body(status, "student"),
        headers={"User-Agent": "Tablette de l'accueil"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["missing"] == ["Le chef d’établissement"]
    refused = await desk.post(f"{LOANS}/{loan_id}/hand-over", json={})
    assert_problem(refused, 409, "state")
    assert "chef d’établissement" in refused.json()["detail"]
    signed = await as_("head_a").post(
        f"{LOANS}/{loan_id}/signatures", json=body(status, "head_of_school")
    )
    assert signed.json()["complete"] is True
    assert (await desk.post(f"{LOANS}/{loan_id}/hand-over", json={})).status_code == 200
    row = await Signature.select().where(Signature.role == "student").first()
    assert (row["user_agent"], row["document_sha256"]) == (
        "Tablette de l'accueil",
        status["sha256"],
    )


async def test_it_staff_cannot_sign_for_the_head_in_person(as_, world):
    loan_id, status = await issued(as_, world, "G-3", birth_date=ADULT)
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/signatures", json=body(status, "head_of_school")
    )
    assert_problem(response, 422, "role")


async def test_the_head_records_only_their_own_signature(as_, world):
    loan_id, status = await issued(as_, world, "G-4", birth_date=ADULT)
    response = await as_("head_a").post(
        f"{LOANS}/{loan_id}/signatures", json=body(status, "student")
    )
    assert_problem(response, 403)


async def test_malformed_signatures_are_problems_naming_the_field(as_, world):
    loan_id, status = await issued(as_, world, "G-5", birth_date=ADULT)
    desk = as_("it_a")
    url = f"{LOANS}/{loan_id}/signatures"
    assert_problem(
        await desk.post(url, json=body(status, "student", image_png="%%%")), 422, "image_png"
    )
    gif = "data:image/png;base64," + base64.b64encode(b"GIF89a").decode()
    assert_problem(
        await desk.post(url, json=body(status, "student", image_png=gif)), 422, "image_png"
    )
    assert_problem(await desk.post(url, json=body(status, "student", version=9)), 409, "version")
    assert_problem(
        await desk.post(url, json=body(status, "student", sha256="a" * 64)), 409, "sha256"
    )
    assert_problem(await desk.post(url, json=body(status, "student", sha256="nope")), 400, "sha256")
    assert_problem(await desk.post(url, json=body(status, "pirate")), 422, "role")


async def test_a_paper_signature_takes_an_uploaded_scan(as_, world):
    loan_id, status = await issued(as_, world, "G-6", birth_date=ADULT)
    scan = base64.b64encode(b"%PDF-1.7 scanned pages").decode()
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/signatures",
        json={"version": 1, "role": "student", "method": "paper", "scan": scan},
    )
    assert response.status_code == 201, response.text
    assert response.json()["signers"][0]["method"] == "paper"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("it_b", 404), ("manager_44", 403), ("manager_24", 403), ("head_a", 403)],
)
async def test_issuing_and_links_follow_scope_and_role(as_, world, persona, status):
    loan_id, _ = await awaiting_loan(world, "G-7")
    client = as_(persona)
    assert_problem(await client.post(f"{LOANS}/{loan_id}/agreement"), status)
    link = await client.post(f"{LOANS}/{loan_id}/signing-links", json={"role": "student"})
    assert_problem(link, status)


@pytest.mark.parametrize(("persona", "status"), [("it_b", 404), ("manager_24", 403)])
async def test_signatures_follow_scope_and_role(as_, world, persona, status):
    loan_id, issued_status = await issued(as_, world, "G-8", birth_date=ADULT)
    response = await as_(persona).post(
        f"{LOANS}/{loan_id}/signatures", json=body(issued_status, "student")
    )
    assert_problem(response, status)
    pdf = await as_("it_b").get(f"{LOANS}/{loan_id}/agreement.pdf")
    assert_problem(pdf, 404)


# Remote links -------------------------------------------------------------------------------


@pytest.fixture
def mailing_settings(settings, smtp_server):  # noqa: F811 - the fixture imported above
    controller, _ = smtp_server
    smtp = SmtpSettings(host=controller.hostname, port=controller.port, sender=SENDER, tls="none")
    return with_changes(settings, smtp=smtp)


@pytest.fixture
async def mailing_app(mailing_settings):
    from api.app import create_app
    from tests import database
    from tests.conftest import running

    application = create_app(mailing_settings)
    async with running(application):
        from inventory.tables import Region

        await database.truncate_all(Region._meta.db)
        yield application


async def _link_token(mailbox) -> str:
    text = mailbox.received[-1].message.get_body(("plain",)).get_content()
    return re.search(r"/signer/([A-Za-z0-9_-]+)", text).group(1)


async def test_a_remote_link_is_mailed_to_the_guardian_and_works_once(
    mailing_app,
    smtp_server,  # noqa: F811 - the fixture imported above
):
    from tests.conftest import client_for
    from tests.factories import make_world

    world = await make_world()
    _, mailbox = smtp_server
    loan_id, student = await awaiting_loan(world, "G-9")
    mother = await add_guardian(student, "Claire")
    async with client_for(mailing_app, Authorization=f"Bearer {world.tokens['it_a']}") as desk:
        status = (await desk.post(f"{LOANS}/{loan_id}/agreement")).json()
        response = await desk.post(
            f"{LOANS}/{loan_id}/signing-links", json={"role": "guardian", "guardian_id": mother}
        )
        assert response.status_code == 201, response.text
    assert mailbox.received[-1].recipients == ["claire@example.fr"]
    token = await _link_token(mailbox)
    assert not await SigningLink.exists().where(SigningLink.token_hash == token)  # only its hash
    storage = DirectoryStorage(mailing_app.state["settings"].var_dir / "documents")
    view = await signing_links.open_link(token, NOW, loan_id)
    assert (view.signer_name, view.version) == ("Claire MARTIN", status["version"])
    signed = await signing_links.sign_with_link(
        storage, token, NOW, loan_id=loan_id, version=1, sha256=status["sha256"], image_png=png()
    )
    assert [s.method for s in signed.signers if s.role == "guardian"] == ["remote"]
    with pytest.raises(Conflict, match="déjà servi"):
        await signing_links.sign_with_link(
            storage,
            token,
            NOW,
            loan_id=loan_id,
            version=1,
            sha256=status["sha256"],
            image_png=png(),
        )


async def _link(world, storage, loan_id: int, role="student", **fields) -> str:
    sent = []

    async def send(message) -> None:
        sent.append(message)

    await signing_links.create_signing_link(
        PLATFORM,
        ACTOR,
        NOW,
        loan_id,
        role=role,
        email="eleve@example.fr",
        public_url="https://ordipret.example.fr",
        send=send,
        **fields,
    )
    return re.search(r"/signer/([A-Za-z0-9_-]+)", sent[0].get_body(("plain",)).get_content()).group(
        1
    )


async def test_an_expired_link_is_refused(world, tmp_path):
    storage = DirectoryStorage(tmp_path)
    loan_id, _ = await awaiting_loan(world, "G-10", birth_date=ADULT)
    status = await issue(storage, loan_id)
    token = await _link(world, storage, loan_id)
    later = NOW + dt.timedelta(days=signing_links.LINK_DAYS, seconds=1)
    with pytest.raises(Conflict, match="expiré"):
        await signing_links.sign_with_link(
            storage, token, later, loan_id=loan_id, version=1, sha256=status.sha256, image_png=png()
        )
    assert await Signature.count() == 0


async def test_a_link_for_another_loan_shows_nothing(world, tmp_path):
    storage = DirectoryStorage(tmp_path)
    loan_id, _ = await awaiting_loan(world, "G-11", birth_date=ADULT)
    other_id, _ = await awaiting_loan(world, "G-12", birth_date=ADULT)
    status = await issue(storage, loan_id)
    await issue(storage, other_id)
    token = await _link(world, storage, loan_id)
    with pytest.raises(NotFound):
        await signing_links.open_link(token, NOW, other_id)
    with pytest.raises(NotFound):
        await signing_links.sign_with_link(
            storage, token, NOW, loan_id=other_id, version=1, sha256=status.sha256, image_png=png()
        )
    with pytest.raises(NotFound):
        await signing_links.open_link("not-a-token", NOW)
    assert await Signature.count() == 0


async def test_the_head_of_schools_name_is_edited_with_the_school_and_printed_as_signer(as_, world):
    response = await as_("manager_24").patch(
        f"/api/v1/establishments/{UAI_A}", json={"head_name": "Mme Françoise Aubépine"}
    )
    assert response.json()["head_name"] == "Mme Françoise Aubépine", response.text
    _, status = await issued(as_, world, "G-13", birth_date=ADULT)
    assert status["signers"][-1]["name"] == "Mme Françoise Aubépine"


async def test_a_hand_over_of_other_accessories_than_signed_issues_the_version_to_sign(as_, world):
    loan_id, status = await issued(as_, world, "G-40", birth_date=ADULT)
    desk = as_("it_a")
    await desk.post(f"{LOANS}/{loan_id}/signatures", json=body(status, "student"))
    await as_("head_a").post(f"{LOANS}/{loan_id}/signatures", json=body(status, "head_of_school"))
    refused = await desk.post(f"{LOANS}/{loan_id}/hand-over", json={"accessories": ["housse"]})
    problem = assert_problem(refused, 409, "accessories")
    assert "accessoires remis : housse (convention : chargeur, housse)" in problem["detail"]
    assert "version 2" in problem["detail"] and "(élève)" in problem["detail"]
    current = (await desk.get(f"{LOANS}/{loan_id}/agreement")).json()
    assert (current["version"], current["complete"]) == (2, False)
    history = (await desk.get(f"{LOANS}/{loan_id}/history")).json()
    assert "accessories_planned" in [event["action"] for event in history]
