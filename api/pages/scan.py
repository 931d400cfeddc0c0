"""The scan page: a field a keyboard-wedge scanner types into, the camera where the browser
can read QR codes, and one-tap actions on the scanned device.

Without JavaScript the field is a GET form answered here, and each action a POST form; with
it, `static/scan.js` asks the JSON API instead. Both go through `api.scan`, so the page and the
API always show the same device with the same actions.
"""

from __future__ import annotations

import contextlib
import json
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from api.accounts.staff import Principal
from api.clock import utcnow
from api.controllers import scan
from api.infra.security import EDIT_FLEET
from api.pages import wording
from api.pages.rendering import page
from api.request_checks import SCANNER_INPUT
from inventory import assets
from inventory.errors import DomainError, Invalid
from inventory.lending import LOAN_STATE_LABELS
from labels import assignment

PATH = "/scan"
MATCHED = {
    "code": "par son étiquette",
    "tag": "par son numéro d'inventaire",
    "serial": "par son numéro de série",
}


_OUTCOMES = {404: "Introuvable", 409: "Plusieurs appareils"}


def _words() -> str:
    """French words scan.js needs to write a card from the API's English codes."""
    return json.dumps(
        {
            "states": assets.STATUSES,
            "loanStates": LOAN_STATE_LABELS,
            "conditions": {code: wording.condition_label(code) for code in assets.CONDITIONS},
            "matched": MATCHED,
        },
        ensure_ascii=False,
    )


def _done_message(action: str | None, result: scan.ScanOut) -> str:
    """After a form sent without JavaScript: what was done (shown on the page it leads to)."""
    if result.asset is None:
        return ""
    tag, state = result.asset.tag, wording.status_label(result.asset)
    if action == "bind" and result.matched == "code":
        return f"Étiquette associée : elle désigne maintenant l'appareil {tag}."
    change = {c.action: c for c in scan.STATE_CHANGES}.get(action or "")
    if change is None:
        return ""
    return f"« {change.label} » : fait. L'appareil {tag} est maintenant {state}."


def _scan_page(
    request: Request[Principal, None, None],
    *,
    status: int = 200,
    result: scan.ScanOut | None = None,
    error: str = "",
    field_error: str = "",
    done: str = "",
) -> Template:
    return page(
        request,
        "pages/scan.html",
        status=status,
        result=result,
        error=error,
        field_error=field_error,
        done=done,
        outcome=_OUTCOMES.get(status, "Erreur"),
        matched_words=MATCHED,
        words=_words(),
        state_label=wording.state_label,
        status_label=wording.status_label,
        condition_label=wording.condition_label,
    )


class ActionForm(msgspec.Struct):
    action: str = ""
    tag: str = ""  # the device, for a state change
    code: str = ""  # the blank label and
    asset: str = ""  # the device's tag or serial, for a bind


class ScanPages(Controller):
    path = PATH
    include_in_schema = False

    @get("/", opt={SCANNER_INPUT: True})  # a GS1 separator is the reader's to remove
    async def scan_page(
        self,
        request: Request[Principal, None, None],
        code: FromQuery[str | None] = None,
        fait: FromQuery[str | None] = None,
    ) -> Template:
        if code is None:
            return _scan_page(request)
        try:
            result = await scan.scan(request.user, code)
        except Invalid as problem:
            return _scan_page(
                request, status=problem.status, field_error=problem.errors.get("code", "")
            )
        except DomainError as problem:
            return _scan_page(request, status=problem.status, error=problem.message)
        return _scan_page(request, result=result, done=_done_message(fait, result))

    @post("/action", guards=[EDIT_FLEET])
    async def act(
        self, request: Request[Principal, None, None], data: URLEncodedBody[ActionForm]
    ) -> Template | Redirect:
        """A one-tap action sent without JavaScript: done, then back to the device's card
        (post/redirect/get, so that reloading does not send it twice)."""
        principal, shown_again = request.user, data.code if data.action == "bind" else data.tag
        try:
            if data.action == "bind":
                bound = await assignment.bind_code(
                    principal.scope, principal.actor, utcnow(), data.code, data.asset
                )
                target = bound.code  # shown again through its label: proof of the binding
            else:
                target = (await scan.change_state(principal, utcnow(), data.tag, data.action)).tag
        except DomainError as problem:
            result = None
            with contextlib.suppress(DomainError):
                result = await scan.scan(principal, shown_again) if shown_again.strip() else None
            return _scan_page(
                request,
                status=problem.status,
                result=result,
                error=problem.message,
            )
        query = urlencode({"code": target, "fait": data.action})
        return Redirect(f"{PATH}?{query}", status_code=303)


ROUTES = [ScanPages]
