"""GET /api/v1/scan and the scan page without JavaScript, by persona: the device and what each
role may do on it now, nothing of other schools, French problems, never a 500."""

from __future__ import annotations

import html
import re

import httpx
import pytest
import pytest_asyncio

from inventory import assets
from tests.api.problems import assert_problem
from tests.api.test_pages import csrf_token, is_french_html, text_of
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, UAI_B, World, make_asset
from tests.labels.test_scan import BLANK_24, CODE_A, CODE_B, blank_label, stick_label

LABEL_URL = "https://ordipret.example.fr/a/" + CODE_A
UNKNOWN = "Aucun appareil ne correspond à « {} »."


@pytest_asyncio.fixture(loop_scope="session")
async def fleet(world: World) -> World:
    """Lycée A: A-0001 (in stock, labelled), A-0002 (in repair), A-0003 (lost), A-0004 (retired);
    lycée B: B-0001 (labelled); a blank label for region 24."""
    await make_asset("A-0001", UAI_A, world.model_id, serial="5CD1234XYZ")
    await make_asset("A-0002", UAI_A, world.model_id, state="in_repair")
    await make_asset("A-0003", UAI_A, world.model_id, state="lost")
    await make_asset("A-0004", UAI_A, world.model_id, state="retired")
    await make_asset("B-0001", UAI_B, world.model_id)
    await stick_label(CODE_A, "A-0001")
    await stick_label(CODE_B, "B-0001")
    await blank_label(BLANK_24, world.region_ids["24"])
    return world


@pytest.fixture
def staff(signed_in, fleet):
    """`await staff("it_a")`, once the fleet is there."""
    return signed_in


async def scan(client: httpx.AsyncClient, code: str | None) -> httpx.Response:
    params = {} if code is None else {"code": code}
    return await client.get("/api/v1/scan", params=params)


def read(page: str) -> str:
    """What a person reads on the page, entities decoded."""
    return html.unescape(text_of(page))


def actions_of(body: dict) -> dict[str, dict]:
    return {action["action"]: action for action in body["actions"]}


# The device and its actions


async def test_it_staff_scan_their_device_and_get_it_with_its_actions(fleet, as_):
    client = as_("it_a")
    response = await scan(client, LABEL_URL)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["asset"] == (await client.get("/api/v1/assets/A-0001")).json()
    assert body["matched"] == "code"
    assert "unbound_code" not in body
    assert body["actions"] == [
        {"action": "view", "label": "Voir la fiche", "method": "GET", "href": "/appareils/A-0001"},
        {
            "action": "history",
            "label": "Voir l'historique",
            "method": "GET",
            "href": "/api/v1/assets/A-0001/history",
        },
        {
            "action": "hand_over",
            "label": "Prêter à un élève",
            "method": "GET",
            "href": "/prets/nouveau?appareil=A-0001",
        },
        {
            "action": "send_to_repair",
            "label": "Envoyer en réparation",
            "method": "PATCH",
            "href": "/api/v1/assets/A-0001",
            "body": {"state": "in_repair"},
        },
        {
            "action": "declare_lost",
            "label": "Déclarer une perte",
            "method": "GET",
            "href": "/appareils/A-0001/perte",
        },
        {
            "action": "declare_stolen",
            "label": "Déclarer un vol",
            "method": "GET",
            "href": "/appareils/A-0001/vol",
        },
    ]


@pytest.mark.parametrize(
    ("typed", "matched"),
    [
        ("A-0001", "tag"),
        ("  a-0001\r\n", "tag"),
        ("5cd1234xyz", "serial"),
        (CODE_A.lower(), "code"),
        ("HTTPSM!!ORDIPRET:EXQ?PLE:FR!Q!" + 'èK"?çPéAXZ', "code"),
    ],
)
async def test_every_form_of_input_finds_the_device(fleet, as_, typed, matched):
    body = (await scan(as_("it_a"), typed)).json()
    assert body["asset"]["tag"] == "A-0001"
    assert body["matched"] == matched


@pytest.mark.parametrize(
    ("tag", "offered"),
    [
        ("A-0001", ["hand_over", "send_to_repair", "declare_lost", "declare_stolen"]),
        ("A-0002", ["back_in_stock", "declare_lost", "declare_stolen"]),
        ("A-0003", ["back_in_stock"]),
        ("A-0004", []),
    ],
)
async def test_the_state_changes_offered_follow_the_current_state(fleet, as_, tag, offered):
    body = (await scan(as_("it_a"), tag)).json()
    assert [a["action"] for a in body["actions"]] == ["view", "history", *offered]


async def test_the_head_of_school_sees_the_device_with_only_view_and_history(fleet, as_):
    body = (await scan(as_("head_a"), "A-0001")).json()
    assert body["asset"]["tag"] == "A-0001"
    assert list(actions_of(body)) == ["view", "history"]


@pytest.mark.parametrize("persona", ["admin", "manager_24", "it_a", "it_ab", "head_a"])
async def test_state_changes_are_offered_exactly_to_those_allowed_to_make_them(fleet, as_, persona):
    client = as_(persona)
    offered = [a for a in (await scan(client, "A-0001")).json()["actions"] if a["method"] != "GET"]
    attempt = await client.patch("/api/v1/assets/A-0001", json={"state": "in_repair"})
    assert bool(offered) == (attempt.status_code == 200), attempt.text


async def test_an_action_carried_out_as_described_changes_the_device(fleet, as_):
    client = as_("it_a")
    action = actions_of((await scan(client, CODE_A)).json())["send_to_repair"]
    done = await client.request(action["method"], action["href"], json=action["body"])
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "in_repair"
    after = (await scan(client, CODE_A)).json()
    assert after["asset"]["state"] == "in_repair"
    assert list(actions_of(after)) == [
        "view",
        "history",
        "back_in_stock",
        "declare_lost",
        "declare_stolen",
    ]


async def test_a_lent_device_offers_its_return_and_no_state_change(fleet, as_):
    from tests.factories import make_student

    client = as_("it_a")
    student = (await make_student()).id
    loan = await client.post("/api/v1/loans", json={"asset_tag": "A-0001", "student_id": student})
    loan_id = loan.json()["id"]
    assert [a["action"] for a in (await scan(client, "A-0001")).json()["actions"]] == [
        "view",
        "history",
        "hand_over",
    ]
    await client.post(f"/api/v1/loans/{loan_id}/paper-signature", json={"signed_on": "2026-09-01"})
    await client.post(f"/api/v1/loans/{loan_id}/hand-over")
    actions = actions_of((await scan(client, "A-0001")).json())
    assert list(actions) == ["view", "history", "take_back", "declare_lost", "declare_stolen"]
    assert actions["take_back"]["href"] == f"/prets/{loan_id}/retour"
    # Lost or stolen while lent: the loan's own forms, never one tap.
    assert actions["declare_lost"]["href"] == f"/prets/{loan_id}/perte"
    assert actions["declare_stolen"]["href"] == f"/prets/{loan_id}/vol"


async def test_the_region_manager_is_not_offered_to_lend(fleet, as_):
    assert "hand_over" not in actions_of((await scan(as_("manager_24"), "A-0001")).json())


async def test_history_and_view_lead_to_what_they_announce(fleet, as_):
    client = as_("it_a")
    actions = actions_of((await scan(client, "A-0001")).json())
    history = await client.get(actions["history"]["href"])
    assert history.status_code == 200 and history.json()[0]["action"] == "created"


# Scope: other schools do not exist


@pytest.mark.parametrize("typed", ["A-0001", CODE_A, LABEL_URL, "5CD1234XYZ"])
async def test_staff_of_another_school_get_the_answer_of_an_unknown_code(fleet, as_, typed):
    body = assert_problem(await scan(as_("it_b"), typed), 404)
    assert body["detail"] == UNKNOWN.format(typed)


async def test_an_unknown_code_is_a_french_404(fleet, as_):
    body = assert_problem(await scan(as_("it_a"), "Z-9999"), 404)
    assert body["detail"] == "Aucun appareil ne correspond à « Z-9999 »."
    assert body["title"] == "Introuvable"


async def test_the_region_manager_of_another_region_finds_nothing(fleet, as_):
    assert_problem(await scan(as_("manager_44"), CODE_A), 404)
    assert_problem(await scan(as_("manager_44"), BLANK_24), 404)


async def test_a_serial_shared_by_two_devices_in_scope_is_a_409_listing_them(fleet, as_, world):
    from inventory import catalogue

    dell = await catalogue.create_device_model(
        PLATFORM, manufacturer="Dell", name="Latitude 3440", category="laptop", accessories=[]
    )
    await make_asset("A-0100", UAI_A, world.model_id, serial="SHARED-1")
    await make_asset("B-0100", UAI_B, dell.id, serial="SHARED-1")
    assert (await scan(as_("it_a"), "shared-1")).json()["asset"]["tag"] == "A-0100"
    body = assert_problem(await scan(as_("manager_24"), "shared-1"), 409, "code")
    assert body["detail"].startswith("Plusieurs appareils")
    assert "A-0100, B-0100" in body["detail"]


# Blank labels


async def test_a_blank_label_offers_to_bind_it_or_to_register_a_new_device(fleet, as_):
    response = await scan(as_("it_b"), "https://ordipret.example.fr/A/" + BLANK_24)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "unbound_code": BLANK_24,
        "actions": [
            {
                "action": "bind",
                "label": "Associer l'étiquette à un appareil",
                "method": "POST",
                "href": "/api/v1/labels/bind",
                "body": {"code": BLANK_24},
                "needs": ["asset"],
            },
            {
                "action": "register",
                "label": "Enregistrer un nouvel appareil avec cette étiquette",
                "method": "GET",
                "href": f"/arrivages/appareil?code={BLANK_24}",
            },
        ],
    }


async def test_the_head_of_school_sees_a_blank_label_but_may_not_bind_it(fleet, as_):
    assert (await scan(as_("head_a"), BLANK_24)).json() == {
        "unbound_code": BLANK_24,
        "actions": [],
    }


# Bad input


@pytest.mark.parametrize("code", [None, "", "   ", "\r\n"])
async def test_nothing_to_look_up_is_a_422_naming_code(fleet, as_, code):
    body = assert_problem(await scan(as_("it_a"), code), 422, "code")
    assert body["title"] == "Données invalides"


@pytest.mark.parametrize(
    "typed",
    [
        "X" * 10_000,
        "😀💻",
        "https://www.example.com/search?q=ordinateur",
        "https://evil.example/a/not-a-code",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "é" * 200,
    ],
)
async def test_odd_input_is_a_404_never_a_500(fleet, as_, typed):
    body = assert_problem(await scan(as_("it_a"), typed), 404)
    assert len(body["detail"]) < 120


async def test_a_nul_character_is_refused_before_the_database(fleet, as_):
    assert_problem(await scan(as_("it_a"), "A-00\x0001"), 400, "code")


@pytest.mark.parametrize("query", ["code=%FF%FE", "code=%ED%A0%80", "code=%", "code=%2", "code"])
async def test_broken_percent_encoding_is_never_a_500(fleet, as_, query):
    response = await as_("it_a").get("/api/v1/scan?" + query)
    assert response.status_code in (400, 404, 422), response.text


async def test_signing_in_is_required(fleet, client):
    assert_problem(await scan(client, "A-0001"), 401)


# The page, without JavaScript


async def test_the_scan_page_is_a_french_form_with_a_labelled_field(staff):
    client = await staff("it_a")
    response = await client.get("/scan")
    assert response.status_code == 200
    assert is_french_html(response)
    page = response.text
    assert '<label for="scan-code">' in page
    assert re.search(r'<input type="text" id="scan-code" name="code" autofocus', page)
    assert 'aria-live="polite"' in page
    assert '<form id="scan-form" class="scan-form" method="get" action="/scan"' in page
    assert '<script src="/static/scan.js" defer></script>' in page
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "<script>" not in page and "style=" not in page


async def test_the_page_shows_the_scanned_device_and_its_actions(staff):
    client = await staff("it_a")
    response = await client.get("/scan", params={"code": LABEL_URL})
    assert response.status_code == 200
    text = read(response.text)
    assert "Appareil trouvé par son étiquette" in text
    assert "A-0001" in text and "Lenovo ThinkPad E14" in text and "en stock" in text
    assert 'href="/appareils/A-0001"' in response.text
    assert "Envoyer en réparation" in text and "Déclarer une perte" in text
    assert 'href="/appareils/A-0001/perte"' in response.text
    assert 'data-body=\'{"state": "in_repair"}\'' in response.text


async def test_the_head_sees_the_device_on_the_page_without_buttons(staff):
    client = await staff("head_a")
    response = await client.get("/scan", params={"code": "A-0001"})
    assert "A-0001" in read(response.text)
    assert 'action="/scan/action"' not in response.text


async def test_the_page_says_when_nothing_matches_with_the_api_status(staff):
    client = await staff("it_b")
    response = await client.get("/scan", params={"code": "A-0001"})
    assert response.status_code == 404
    assert is_french_html(response)
    assert "Aucun appareil ne correspond à « A-0001 »." in read(response.text)
    assert "scan-card-missing" in response.text


async def test_the_page_names_the_empty_field(staff):
    client = await staff("it_a")
    response = await client.get("/scan", params={"code": "  "})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert "scannez une étiquette" in read(response.text)


async def test_an_odd_input_echoed_on_the_page_is_escaped(staff):
    client = await staff("it_a")
    response = await client.get("/scan", params={"code": "<script>alert(1)</script>"})
    assert response.status_code == 404
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;" in response.text


async def test_a_blank_label_on_the_page_asks_for_the_device(staff):
    client = await staff("it_a")
    response = await client.get("/scan", params={"code": BLANK_24})
    assert response.status_code == 200
    assert "Étiquette vierge" in read(response.text)
    assert '<label for="scan-bind-asset">' in response.text


async def test_an_action_sent_without_javascript_is_done_then_shown(staff):
    client = await staff("it_a")
    page = await client.get("/scan", params={"code": "A-0001"})
    form = {"_csrf_token": csrf_token(page.text), "action": "send_to_repair", "tag": "A-0001"}
    done = await client.post("/scan/action", data=form)
    assert done.status_code == 303
    assert done.headers["location"] == "/scan?code=A-0001&fait=send_to_repair"
    shown = await client.get(done.headers["location"])
    assert "« Envoyer en réparation » : fait. L'appareil A-0001 est maintenant en réparation." in (
        read(shown.text)
    )
    assert (await assets.get_asset(PLATFORM, "A-0001")).state == "in_repair"


async def test_an_action_no_longer_possible_is_refused_with_the_current_card(staff):
    client = await staff("it_a")
    page = await client.get("/scan", params={"code": "A-0001"})
    await assets.update_asset(PLATFORM, ACTOR, NOW, "A-0001", {"state": "retired"})
    form = {"_csrf_token": csrf_token(page.text), "action": "send_to_repair", "tag": "A-0001"}
    response = await client.post("/scan/action", data=form)
    assert response.status_code == 409
    text = read(response.text)
    assert "« Envoyer en réparation » n'est pas possible sur l'appareil A-0001" in text
    assert "réformé" in text
    assert (await assets.get_asset(PLATFORM, "A-0001")).state == "retired"


async def test_the_head_may_not_send_an_action_form(staff):
    client = await staff("head_a")
    page = await client.get("/scan")
    form = {"_csrf_token": csrf_token(page.text), "action": "send_to_repair", "tag": "A-0001"}
    assert (await client.post("/scan/action", data=form)).status_code == 403
    assert (await assets.get_asset(PLATFORM, "A-0001")).state == "in_stock"


async def test_an_action_form_without_its_csrf_token_is_refused(staff):
    client = await staff("it_a")
    form = {"action": "send_to_repair", "tag": "A-0001"}
    assert (await client.post("/scan/action", data=form)).status_code == 403
    assert (await assets.get_asset(PLATFORM, "A-0001")).state == "in_stock"


async def test_an_action_form_for_a_device_of_another_school_is_not_found(staff):
    client = await staff("it_b")
    page = await client.get("/scan")
    form = {"_csrf_token": csrf_token(page.text), "action": "send_to_repair", "tag": "A-0001"}
    assert (await client.post("/scan/action", data=form)).status_code == 404
    assert (await assets.get_asset(PLATFORM, "A-0001")).state == "in_stock"
