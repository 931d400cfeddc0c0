"""Every staff page in Chromium, with content, passes axe-core with no serious or critical
violation; and on a phone the header leaves the screen to the page.

One browser and one world for the whole walk: the factories' personas and schools, the demo's
students and loans in every state (`api.demo_loans`, `api.demo_life`) at lycée A. Each GET
page route of `api.pages.ROUTES` is either walked (`PAGES`: who looks at it, and where) or
left out with its reason (`NOT_STAFF_PAGES`): a new page fails `test_every_page_route_is_walked`
until it is listed here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from litestar import Litestar
from playwright.sync_api import Browser, Page

from api import pages
from api.demo_life import load_demo_life
from api.demo_loans import demo_student, load_demo_loans
from api.infra.piccolo_conf import bind
from api.infra.seal import seal_key_for
from api.infra.storage import storage_for
from api.jobs import queue
from api.jobs.tables import Job
from inventory.tables import Stocktake
from loans import deliveries, terms_versions
from loans.tables import Campaign, Guardian, Loan
from tests import database
from tests.browser.conftest import LiveServer, log_in, serious_violations
from tests.browser.test_asset_pages import PHONE
from tests.factories import (
    ACTOR,
    PLATFORM,
    UAI_A,
    UAI_B,
    make_asset,
    make_location,
    make_world,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
W = dict[str, object]  # the world: ids and codes by name

# route -> (persona, address of a page of that route in the world)
PAGES: dict[str, tuple[str | None, Callable[[W], str]]] = {
    "/connexion": (None, lambda w: "/connexion"),
    "/scan": ("it_a", lambda w: f"/scan?code={w['lent_tag']}"),
    "/appareils": ("it_a", lambda w: "/appareils"),
    "/appareils/{tag:str}": ("it_a", lambda w: f"/appareils/{w['lent_tag']}"),
    "/appareils/{tag:str}/{kind:str}": ("it_a", lambda w: f"/appareils/{w['free_tag']}/perte"),
    "/prets": ("it_a", lambda w: "/prets"),
    "/prets/nouveau": ("it_a", lambda w: f"/prets/nouveau?appareil={w['free_tag']}"),
    "/prets/{loan_id:int}": ("it_a", lambda w: f"/prets/{w['active']}"),
    "/prets/{loan_id:int}/remise": ("it_a", lambda w: f"/prets/{w['draft']}/remise"),
    "/prets/{loan_id:int}/recu": ("it_a", lambda w: f"/prets/{w['returned']}/recu"),
    "/prets/{loan_id:int}/{kind:str}": ("it_a", lambda w: f"/prets/{w['active']}/vol"),
    "/prets/{loan_id:int}/retour": ("it_a", lambda w: f"/prets/{w['active']}/retour"),
    "/prets/{loan_id:int}/signature": ("it_a", lambda w: f"/prets/{w['awaiting']}/signature"),
    "/prets/{loan_id:int}/signature/lien": (
        "it_a",
        lambda w: f"/prets/{w['awaiting']}/signature/lien",
    ),
    "/prets/{loan_id:int}/signature/papier": (
        "it_a",
        lambda w: f"/prets/{w['awaiting']}/signature/papier",
    ),
    "/campagnes": ("it_a", lambda w: "/campagnes"),
    "/campagnes/{campaign_id:int}": ("it_a", lambda w: f"/campagnes/{w['campaign']}"),
    "/inventaires": ("it_a", lambda w: "/inventaires"),
    "/inventaires/{stocktake_id:int}": ("it_a", lambda w: f"/inventaires/{w['stocktake']}"),
    "/etablissements": ("manager_24", lambda w: "/etablissements"),
    "/etablissements/{uai:str}": ("it_a", lambda w: f"/etablissements/{UAI_A}"),
    "/tableau-de-bord": ("manager_24", lambda w: "/tableau-de-bord"),
    "/regions/{code:str}/conditions": ("manager_24", lambda w: "/regions/24/conditions"),
    "/regions/{code:str}/conditions/{version:int}": (
        "manager_24",
        lambda w: f"/regions/24/conditions/{w['terms_version']}",
    ),
    "/regions/{code:str}/ent": ("admin", lambda w: "/regions/24/ent"),
    "/regions/{code:str}/annuaire": ("admin", lambda w: "/regions/24/annuaire"),
    "/conventions/depot": ("it_a", lambda w: "/conventions/depot"),
    "/demandes-eleves": ("it_a", lambda w: "/demandes-eleves"),
    "/arrivages": ("it_a", lambda w: "/arrivages"),
    "/arrivages/{delivery_id:int}": ("it_a", lambda w: f"/arrivages/{w['delivery']}"),
    "/arrivages/appareil": ("it_a", lambda w: "/arrivages/appareil"),
    "/arrivages/etiquettes": ("it_a", lambda w: "/arrivages/etiquettes"),
    "/arrivages/import": ("it_a", lambda w: "/arrivages/import"),
    "/administration": ("manager_24", lambda w: "/administration"),
    "/administration/comptes": ("manager_24", lambda w: "/administration/comptes"),
    "/administration/comptes/nouveau": ("manager_24", lambda w: "/administration/comptes/nouveau"),
    "/administration/comptes/{account_id:int}": (
        "manager_24",
        lambda w: f"/administration/comptes/{w['it_a_account']}",
    ),
    "/administration/etablissements": ("manager_24", lambda w: "/administration/etablissements"),
    "/administration/etablissements/{uai:str}": (
        "manager_24",
        lambda w: f"/administration/etablissements/{UAI_A}",
    ),
    "/administration/modeles": ("admin", lambda w: "/administration/modeles"),
    "/administration/modeles/{model_id:int}": (
        "admin",
        lambda w: f"/administration/modeles/{w['model']}",
    ),
    "/administration/regions": ("admin", lambda w: "/administration/regions"),
    "/administration/regions/{code:str}/regles": (
        "manager_24",
        lambda w: "/administration/regions/24/regles",
    ),
    "/administration/regions/{code:str}/retards": (
        "manager_24",
        lambda w: "/administration/regions/24/retards",
    ),
    "/mon-compte": ("it_a", lambda w: "/mon-compte"),
    "/etablissements/{uai:str}/emplacements": (
        "it_a",
        lambda w: f"/etablissements/{UAI_A}/emplacements",
    ),
    "/emplacements/ranger": ("it_a", lambda w: f"/emplacements/ranger?vers={w['location']}"),
    "/eleves": ("it_a", lambda w: "/eleves?q=a"),
    "/eleves/nouveau": ("it_a", lambda w: "/eleves/nouveau"),
    "/eleves/import": ("it_a", lambda w: "/eleves/import"),
    "/eleves/{student_id:int}": ("it_a", lambda w: f"/eleves/{w['student']}"),
    "/eleves/{student_id:int}/modifier": ("it_a", lambda w: f"/eleves/{w['student']}/modifier"),
    "/eleves/{student_id:int}/depart": ("it_a", lambda w: f"/eleves/{w['student']}/depart"),
    "/eleves/{student_id:int}/representants/nouveau": (
        "it_a",
        lambda w: f"/eleves/{w['student']}/representants/nouveau",
    ),
    "/eleves/{student_id:int}/representants/{guardian_id:int}/modifier": (
        "it_a",
        lambda w: f"/eleves/{w['student']}/representants/{w['guardian']}/modifier",
    ),
    "/eleves/{student_id:int}/representants/{guardian_id:int}/retirer": (
        "it_a",
        lambda w: f"/eleves/{w['student']}/representants/{w['guardian']}/retirer",
    ),
    "/eleves/{student_id:int}/effacement": (
        "manager_24",
        lambda w: f"/eleves/{w['student']}/effacement",
    ),
    "/preparation/{job_id:int}": ("it_a", lambda w: f"/preparation/{w['job']}"),
    "/protection-des-donnees/acces": ("admin", lambda w: "/protection-des-donnees/acces"),
}
# Routes that are not a staff page, and why.
NOT_STAFF_PAGES = {
    "/": "redirects to the role's first page",
    "/{rest:path}": "every unknown address: the 404 page (test_error_pages_pass_axe_core)",
    "/A/{code:str}": "a label's address: redirects to the device",
    "/a/{code:str}": "a label's address: redirects to the device",
    "/verify": "public verification of a sealed document (tests/browser/test_signing.py)",
    "/verify/{public_id:str}": "public verification",
    "/VERIFY/{public_id:str}": "public verification (a QR code's upper-case address)",
    "/signer/merci": "remote signing, for families (tests/browser/test_signing.py)",
    "/signer/{token:str}": "remote signing, for families",
    "/signer/{token:str}/convention.pdf": "a PDF",
    "/mon-espace": "the students' and guardians' space (tests/browser/test_my_space.py)",
    "/mon-espace/au-revoir": "the students' space",
    "/mon-espace/eleves/{student_id:int}": "the students' space",
    "/mon-espace/prets/{loan_id:int}": "the students' space",
    "/mon-espace/prets/{loan_id:int}/declaration": "the students' space",
    "/mon-espace/prets/{loan_id:int}/signer": "the students' space",
    "/mon-espace/prets/{loan_id:int}/convention.pdf": "a PDF",
    "/mon-espace/documents/{document_id:int}": "a document download",
    "/mon-espace/eleves/{student_id:int}/donnees": "the students' space (test_my_space.py)",
    "/mon-espace/eleves/{student_id:int}/donnees.zip": "a ZIP download",
    "/ent": "ENT sign-in for families",
    "/ent/{code:str}/connexion": "ENT sign-in: redirects to the ENT",
    "/ent/{code:str}/cas": "ENT sign-in: the CAS callback",
    "/ent/{code:str}/oidc": "ENT sign-in: the OpenID Connect callback",
}


def page_routes() -> set[str]:
    """The GET routes of the pages, as the router knows them."""
    app = Litestar(route_handlers=pages.ROUTES, openapi_config=None)
    return {
        route.path
        for route in app.routes
        if "GET" in getattr(route, "methods", ()) and not route.path.startswith("/static")
    }


async def build_world(live_server: LiveServer) -> W:
    settings = live_server.server.config.app.state["settings"]  # type: ignore[union-attr]
    await database.truncate_all(live_server.engine)
    world = await make_world()
    for number in range(1, 17):
        await make_asset(f"A-{number:04d}", UAI_A, world.model_id)
    now = dt.datetime.now(dt.UTC)
    seal = (storage_for(settings), seal_key_for(settings), settings.public_url)
    await load_demo_loans(*seal, ACTOR, now, UAI_A)
    await load_demo_life(demo_student, ACTOR, now, UAI_A, UAI_B)
    loans = await Loan.select(Loan.id, Loan.state, Loan.asset.tag).order_by(Loan.id)
    by_state = {row["state"]: row for row in loans}
    lent = {row["asset.tag"] for row in loans if row["state"] in ("active", "draft")}
    versions = await terms_versions.list_terms_versions(PLATFORM, "24")
    # A student of lycée A holding a device, with a guardian: their page shows everything.
    guardian = (
        await Guardian.select(Guardian.id, Guardian.student)
        .where(Guardian.student.establishment.uai == UAI_A)
        .order_by(Guardian.id)
        .first()
    )
    return {
        "active": by_state["active"]["id"],
        "awaiting": by_state["awaiting_signature"]["id"],
        "draft": by_state["draft"]["id"],
        "returned": by_state["returned"]["id"],
        "moved_tag": by_state["transferred"]["asset.tag"],
        "lent_tag": by_state["active"]["asset.tag"],
        "free_tag": next(f"A-{n:04d}" for n in range(16, 0, -1) if f"A-{n:04d}" not in lent),
        "campaign": (await Campaign.select(Campaign.id).first())["id"],
        "stocktake": (await Stocktake.select(Stocktake.id).first())["id"],
        "terms_version": versions[0].version if versions else 1,
        "delivery": (
            await deliveries.open_delivery(PLATFORM, ACTOR, now, world.model_id, UAI_A)
        ).id,
        "it_a_account": world.account_ids["it_a"],
        "model": world.model_id,
        "location": await make_location(UAI_A, "Chariot 1", "cart", "A-0001", "A-0002"),
        "student": guardian["student"],
        "guardian": guardian["id"],
        "job": await running_job(world.account_ids["it_a"], now),
    }


async def running_job(owner_id: int, now: dt.datetime) -> int:
    """A document half prepared, as the page shows it while its worker draws it (its heartbeat
    set ahead so that the live server's own worker leaves it alone)."""
    job = Job(
        kind="stocktake_report",
        arguments={"stocktake_id": 0},
        owner=owner_id,
        state=queue.RUNNING,
        attempt=1,
        heartbeat_at=now + dt.timedelta(days=1),
        progress_done=40,
        progress_total=100,
        created_at=now,
        expires_at=now + queue.KEEP,
    )
    return (await Job.insert(job).returning(Job.id))[0]["id"]


@pytest.fixture(scope="module")
def axe_world(live_server: LiveServer) -> W:
    bind(live_server.engine)
    return live_server.run(build_world(live_server))


@pytest.fixture(scope="module")
def tabs(browser: Browser, live_server: LiveServer, axe_world: W) -> Iterator[dict]:
    """One signed-in tab per persona, opened on first use."""
    opened: dict[str | None, Page] = {}

    def tab(persona: str | None) -> Page:
        if persona not in opened:
            context = browser.new_context(
                base_url=live_server.url,
                locale="fr-FR",
                timezone_id="Europe/Paris",
                viewport=DESKTOP,
            )
            context.set_default_timeout(10_000)
            opened[persona] = context.new_page()
            if persona is not None:
                log_in(opened[persona], persona)
        return opened[persona]

    yield tab  # type: ignore[misc]
    for tab_page in opened.values():
        tab_page.context.close()


def test_every_page_route_is_walked():
    routes = page_routes()
    unlisted = routes - PAGES.keys() - NOT_STAFF_PAGES.keys()
    assert unlisted == set(), "add these pages to PAGES (or NOT_STAFF_PAGES, with the reason)"
    assert (PAGES.keys() | NOT_STAFF_PAGES.keys()) - routes == set(), "routes that are gone"


@pytest.mark.parametrize("route", sorted(PAGES))
def test_the_page_passes_axe_core(route: str, tabs, axe_world: W):
    persona, address = PAGES[route]
    tab = tabs(persona)
    response = tab.goto(address(axe_world))
    assert response is not None and response.status == 200, (route, tab.url)
    assert tab.locator("h1").count() >= 1
    assert serious_violations(tab) == []


@pytest.mark.parametrize(
    ("persona", "address", "status"),
    [
        ("it_a", lambda w: "/nulle-part", 404),
        ("it_b", lambda w: f"/prets/{w['active']}", 404),
        ("head_a", lambda w: "/prets/nouveau", 403),
        ("it_a", lambda w: f"/appareils/{w['moved_tag']}", 404),  # transferred: says where
    ],
)
def test_error_pages_pass_axe_core_and_keep_the_menu(tabs, axe_world, persona, address, status):
    tab = tabs(persona)
    response = tab.goto(address(axe_world))
    assert response is not None and response.status == status
    assert tab.get_by_role("navigation", name="Menu principal").count() == 1
    assert serious_violations(tab) == []


def test_on_a_phone_the_header_takes_at_most_a_tenth_of_the_screen(tabs, axe_world: W):
    tab = tabs("it_a")
    tab.set_viewport_size(PHONE)
    try:
        tab.goto("/prets")
        header = tab.locator(".site-header").bounding_box()
        assert header is not None and header["height"] <= PHONE["height"] * 0.10
        # The menu is one tap away, without JavaScript: a <details>.
        tab.get_by_text("Menu", exact=True).click()
        assert tab.get_by_role("link", name="Inventaires").is_visible()
        assert tab.get_by_role("button", name="Se déconnecter").is_visible()
        assert serious_violations(tab) == []
    finally:
        tab.set_viewport_size(DESKTOP)
