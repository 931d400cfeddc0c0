"""The scan page in a real browser: a keyboard-wedge scanner typing into the field, the card,
the spoken status, the beep, the last scans, one-tap actions, the camera, a phone screen."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from inventory import assets
from tests.browser.conftest import LiveServer, log_in
from tests.browser.test_asset_pages import PHONE, SCREENSHOTS, page_overflows
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, UAI_B, World, make_asset
from tests.labels.test_scan import BLANK_24, CODE_A, blank_label, mangle, stick_label

pytestmark = pytest.mark.browser

LABEL_URL = "HTTPS://ORDIPRET.EXAMPLE.FR/A/" + CODE_A  # stuck on A-0002
HIGH, LOW = 1320, 220

# Records the pitch of every beep, without touching the page's own code.
BEEP_SPY = """
window.__beeps = [];
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__beeps.push(this.frequency.value);
  return start.apply(this, args);
};
"""

# A browser that reads QR codes (as Chrome on Android does), with a fake camera: whatever
# window.__qr holds is what the camera "sees".
FAKE_CAMERA = """
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ["qr_code", "ean_13"]; }
  constructor(options) { this.formats = options.formats; }
  async detect(source) { return window.__qr ? [{ rawValue: window.__qr, format: "qr_code" }] : []; }
};
window.__detections = 0;
navigator.mediaDevices.getUserMedia = async (constraints) => {
  window.__constraints = constraints;
  const canvas = document.createElement("canvas");
  canvas.width = 64;
  canvas.height = 48;
  const context = canvas.getContext("2d");
  let frame = 0;
  setInterval(() => {
    context.fillStyle = frame++ % 2 ? "#000" : "#fff";
    context.fillRect(0, 0, 64, 48);
  }, 50);
  return canvas.captureStream(20);
};
"""


@pytest.fixture
def fleet(live_server: LiveServer, world: World) -> World:
    """Lycée A: A-0001 (in stock), A-0002 (labelled), A-0003 (in repair), A-0005 (serial
    5CD0000005, no label yet); lycée B: B-0001; a blank label for region 24."""

    async def seed() -> None:
        model = world.model_id
        await make_asset("A-0001", UAI_A, model)
        await make_asset("A-0002", UAI_A, model)
        await make_asset("A-0003", UAI_A, model, state="in_repair", condition="C")
        await make_asset("A-0005", UAI_A, model, serial="5CD0000005")
        await make_asset("B-0001", UAI_B, model)
        await stick_label(CODE_A, "A-0002")
        await blank_label(BLANK_24, world.region_ids["24"])

    live_server.run(seed())
    return world


@pytest.fixture
def scanner(page: Page, fleet: World) -> Iterator[Page]:
    """IT staff of lycée A on the scan page, every beep recorded; no script error, no page
    refused by the content security policy."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.add_init_script(BEEP_SPY)
    log_in(page, "it_a")
    page.goto("/scan")
    yield page
    assert [e for e in errors if "Failed to load resource" not in e] == []


def scan(page: Page, text: str) -> None:
    """What a keyboard-wedge scanner does: type fast into whatever has the focus, then Enter."""
    page.keyboard.type(text, delay=2)
    page.keyboard.press("Enter")


def card(page: Page):
    return page.locator("#scan-result .scan-card")


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement.id")


def beeps(page: Page) -> list[float]:
    return page.evaluate("window.__beeps")


def history(page: Page):
    return page.locator("#scan-history-list li")


def test_a_wedge_scanner_types_the_tag_and_the_device_appears(scanner: Page):
    page = scanner
    assert focused_id(page) == "scan-code"
    expect(page.locator("#scan-history")).to_be_visible()
    expect(page.locator("#scan-history-empty")).to_have_text("Aucun scan pour l'instant.")
    scan(page, "A-0001")
    expect(card(page)).to_have_class(re.compile(r"\bscan-card-found\b"))
    expect(card(page).locator(".scan-title")).to_have_text("A-0001")
    expect(card(page)).to_contain_text("Appareil trouvé par son numéro d'inventaire")
    expect(card(page)).to_contain_text("Lenovo ThinkPad E14")
    expect(card(page).locator(".badge")).to_have_text("en stock")
    expect(page.locator("#scan-status")).to_have_text(
        re.compile(r"^A-0001 trouvé : Lenovo ThinkPad E14, en stock\.")
    )
    expect(history(page)).to_have_count(1)
    expect(history(page).first.get_by_role("link")).to_have_attribute("href", "/appareils/A-0001")
    assert focused_id(page) == "scan-code"
    expect(page.locator("#scan-code")).to_have_value("")
    assert beeps(page) == [HIGH]


def test_the_label_url_even_mangled_by_azerty_finds_its_device_and_the_list_grows(scanner: Page):
    page = scanner
    scan(page, "A-0001")
    expect(history(page)).to_have_count(1)
    scan(page, mangle(LABEL_URL))  # a QWERTY scanner on a French keyboard
    expect(card(page).locator(".scan-title")).to_have_text("A-0002")
    expect(card(page)).to_contain_text("par son étiquette")
    expect(page.locator("#scan-status")).to_contain_text("A-0002 trouvé")
    expect(history(page)).to_have_count(2)
    expect(history(page).nth(0)).to_contain_text("A-0002")  # the most recent first
    expect(history(page).nth(1)).to_contain_text("A-0001")
    assert focused_id(page) == "scan-code"
    page.keyboard.press("Enter")  # an empty Enter changes nothing
    page.keyboard.press("Enter")
    expect(history(page)).to_have_count(2)
    page.reload()  # kept for the session of this tab
    expect(history(page)).to_have_count(2)
    assert focused_id(page) == "scan-code"


def test_the_list_keeps_the_last_twenty_scans(scanner: Page):
    page = scanner
    for number in range(22):
        scan(page, f"Z-{number:04d}")
        expect(history(page).first).to_contain_text(f"Z-{number:04d}")
    expect(history(page)).to_have_count(20)
    expect(history(page).last).to_contain_text("Z-0002")
    page.get_by_role("button", name="Effacer la liste").click()
    expect(history(page)).to_have_count(0)
    assert focused_id(page) == "scan-code"


def test_an_unknown_code_turns_the_card_red_with_a_low_beep(scanner: Page):
    page = scanner
    scan(page, "Z-9999")
    expect(card(page)).to_have_class(re.compile(r"\bscan-card-missing\b"))
    expect(card(page)).to_contain_text("Aucun appareil ne correspond à « Z-9999 ».")
    expect(page.locator("#scan-status")).to_contain_text(
        "Introuvable : Aucun appareil ne correspond à « Z-9999 »."
    )
    colour = card(page).evaluate("card => getComputedStyle(card).borderTopColor")
    assert colour == "rgb(138, 28, 28)"
    assert beeps(page) == [LOW]
    expect(history(page).first).to_contain_text("introuvable")
    assert focused_id(page) == "scan-code"
    scan(page, "B-0001")  # another school's device: the very same answer
    expect(card(page)).to_contain_text("Aucun appareil ne correspond à « B-0001 ».")
    assert beeps(page) == [LOW, LOW]


def test_sound_can_be_muted_and_stays_muted(scanner: Page):
    page = scanner
    mute = page.get_by_label("Couper le son")
    expect(mute).to_be_visible()
    mute.check()
    page.locator("#scan-code").focus()
    scan(page, "A-0001")
    expect(card(page)).to_be_visible()
    assert beeps(page) == []
    page.reload()
    expect(page.get_by_label("Couper le son")).to_be_checked()
    page.get_by_label("Couper le son").uncheck()
    page.locator("#scan-code").focus()
    scan(page, "A-0001")
    expect(history(page)).to_have_count(2)
    assert beeps(page) == [HIGH]


def test_one_tap_sends_the_device_to_repair(scanner: Page, live_server: LiveServer):
    page = scanner
    scan(page, "A-0001")
    page.get_by_role("button", name="Envoyer en réparation").click()
    message = "« Envoyer en réparation » : fait. L'appareil A-0001 est maintenant en réparation."
    expect(card(page).locator(".scan-feedback")).to_have_text(message)
    expect(card(page).locator(".badge")).to_have_text("en réparation")
    expect(page.locator("#scan-status")).to_contain_text(message)
    expect(page.get_by_role("button", name="Remettre en stock")).to_be_visible()
    expect(page.get_by_role("button", name="Envoyer en réparation")).to_have_count(0)
    assert focused_id(page) == "scan-code"
    assert live_server.run(assets.get_asset(PLATFORM, "A-0001")).state == "in_repair"


def test_a_failed_action_shows_the_problem_detail(scanner: Page, live_server: LiveServer):
    page = scanner
    scan(page, "A-0001")
    expect(card(page)).to_be_visible()
    # Meanwhile the device went to lycée B: it is no longer this person's to change.
    live_server.run(
        assets.update_asset(PLATFORM, ACTOR, NOW, "A-0001", {"establishment_uai": UAI_B})
    )
    page.get_by_role("button", name="Envoyer en réparation").click()
    feedback = card(page).locator(".scan-feedback")
    expect(feedback).to_have_text("Appareil A-0001 introuvable.")
    expect(feedback).to_have_class(re.compile(r"\bscan-feedback-error\b"))
    expect(page.locator("#scan-status")).to_contain_text("« Envoyer en réparation » : échec.")
    assert beeps(page) == [HIGH, LOW]
    assert focused_id(page) == "scan-code"
    assert live_server.run(assets.get_asset(PLATFORM, "A-0001")).state == "in_stock"


def test_the_keyboard_alone_scans_acts_and_scans_again(scanner: Page):
    page = scanner
    scan(page, "A-0003")
    expect(card(page).locator(".scan-title")).to_have_text("A-0003")
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Remettre en stock":
            break
    else:
        raise AssertionError("Tab n'atteint pas le bouton « Remettre en stock »")
    page.keyboard.press("Enter")
    expect(card(page).locator(".badge")).to_have_text("en stock")
    assert focused_id(page) == "scan-code"
    # Focus left on a link: the scanner's first character brings it back to the field.
    page.get_by_role("link", name="Voir la fiche").focus()
    scan(page, "A-0001")
    expect(card(page).locator(".scan-title")).to_have_text("A-0001")
    expect(page).to_have_url(re.compile(r"/scan$"))


def test_a_card_drawn_by_the_server_works_like_the_others(scanner: Page):
    page = scanner
    page.goto("/scan?code=Z-9999")
    expect(card(page)).to_have_class(re.compile(r"\bscan-card-missing\b"))
    page.goto("/scan?code=a-0001")
    expect(card(page).locator(".scan-title")).to_have_text("A-0001")
    assert focused_id(page) == "scan-code"
    page.get_by_role("button", name="Envoyer en réparation").click()
    expect(card(page).locator(".badge")).to_have_text("en réparation")
    expect(page).to_have_url(re.compile(r"/scan\?code=a-0001$"))  # done by the script
    scan(page, "A-0003")
    expect(card(page).locator(".scan-title")).to_have_text("A-0003")


def test_the_camera_button_is_hidden_where_the_browser_cannot_read_qr_codes(scanner: Page):
    assert not scanner.evaluate("'BarcodeDetector' in window")
    expect(scanner.get_by_role("button", name="Scanner avec la caméra")).to_be_hidden()


def test_the_camera_feeds_what_it_reads_into_the_same_path(page: Page, fleet: World):
    page.add_init_script(BEEP_SPY)
    page.add_init_script(FAKE_CAMERA)
    log_in(page, "it_a")
    page.goto("/scan")
    camera = page.get_by_role("button", name="Scanner avec la caméra")
    expect(camera).to_be_visible()
    camera.click()
    expect(page.locator("#scan-video")).to_be_visible()
    expect(page.get_by_role("button", name="Arrêter la caméra")).to_be_visible()
    assert page.evaluate("window.__constraints.video.facingMode.ideal") == "environment"
    page.evaluate(f"window.__qr = {LABEL_URL!r}")
    expect(card(page).locator(".scan-title")).to_have_text("A-0002")
    expect(card(page)).to_contain_text("par son étiquette")
    page.wait_for_timeout(1200)  # the label stays in view: it is read once, not again
    expect(history(page)).to_have_count(1)
    assert beeps(page) == [HIGH]
    page.get_by_role("button", name="Arrêter la caméra").click()
    expect(page.locator("#scan-video")).to_be_hidden()


def test_a_blank_label_then_the_devices_serial_binds_them(scanner: Page):
    page = scanner
    scan(page, BLANK_24.lower())
    expect(card(page)).to_have_class(re.compile(r"\bscan-card-blank\b"))
    expect(card(page).locator(".scan-title")).to_have_text(BLANK_24)
    expect(page.locator("#scan-status")).to_contain_text(
        f"Étiquette vierge {BLANK_24} : scannez maintenant le numéro de série"
    )
    assert focused_id(page) == "scan-bind-asset"  # the next scan is the device
    scan(page, "5cd0000005")
    expect(card(page)).to_have_class(re.compile(r"\bscan-card-found\b"))
    expect(card(page).locator(".scan-title")).to_have_text("A-0005")
    expect(card(page)).to_contain_text("par son étiquette")
    expect(card(page).locator(".scan-feedback")).to_have_text(
        "Étiquette associée : elle désigne maintenant l'appareil A-0005."
    )
    assert focused_id(page) == "scan-code"


def test_on_a_phone_the_page_fits_and_reads_well(scanner: Page):
    page = scanner
    page.set_viewport_size(PHONE)
    page.reload()
    assert not page_overflows(page)
    scan(page, "Z-9999")
    scan(page, "A-0003")
    scan(page, LABEL_URL)
    expect(card(page).locator(".scan-title")).to_have_text("A-0002")
    page.wait_for_timeout(1000)  # let the flash fade
    assert not page_overflows(page)
    page.screenshot(path=f"{SCREENSHOTS}/ordipret-scan-telephone.png", full_page=True)
    scan(page, "https://un-autre-site.example.com/un/chemin/tres/long/" + "x" * 120)
    expect(card(page)).to_have_class(re.compile(r"\bscan-card-missing\b"))
    page.wait_for_timeout(1000)
    assert not page_overflows(page)
    page.screenshot(path=f"{SCREENSHOTS}/ordipret-scan-introuvable-telephone.png", full_page=True)
    scan(page, BLANK_24)
    expect(card(page)).to_have_class(re.compile(r"\bscan-card-blank\b"))
    page.wait_for_timeout(1000)
    assert not page_overflows(page)
    page.screenshot(path=f"{SCREENSHOTS}/ordipret-scan-vierge-telephone.png", full_page=True)


def test_on_a_desktop_the_card_and_the_list(scanner: Page):
    page = scanner
    page.set_viewport_size({"width": 1280, "height": 900})
    scan(page, "A-0003")
    scan(page, "A-0001")
    expect(card(page).locator(".scan-title")).to_have_text("A-0001")
    card(page).screenshot(path=f"{SCREENSHOTS}/ordipret-scan-eclair.png")  # during the flash
    page.wait_for_timeout(1000)
    assert not page_overflows(page)
    page.screenshot(path=f"{SCREENSHOTS}/ordipret-scan-bureau.png", full_page=True)


@pytest.fixture
def no_script(browser: Browser, live_server: LiveServer, fleet: World) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_without_javascript_the_form_and_the_actions_still_work(
    no_script: Page, live_server: LiveServer
):
    page = no_script
    log_in(page, "it_a")
    page.goto("/scan")
    page.get_by_label("Code scanné").fill("a-0001")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/scan\?code=a-0001$"))
    expect(card(page).locator(".scan-title")).to_have_text("A-0001")
    expect(page.locator("#scan-history")).to_be_hidden()
    page.get_by_role("button", name="Envoyer en réparation").click()
    expect(card(page).locator(".scan-feedback")).to_have_text(
        "« Envoyer en réparation » : fait. L'appareil A-0001 est maintenant en réparation."
    )
    assert live_server.run(assets.get_asset(PLATFORM, "A-0001")).state == "in_repair"
