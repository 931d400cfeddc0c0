"""`/a/{code}`: where a label's QR code leads.

Staff signed in whose scope holds the device go straight to its page. Anyone else (the
student, a passer-by who found it, staff of another school) reads whose it is and where to
bring it back, and nothing more: no tag, no serial, nothing about a borrower. An unknown,
retired or not yet used code gets the same "not found" page, whatever the reason, so that
guessing codes teaches nothing (and 50 random bits leave nothing to guess).
"""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.accounts.staff import load_principal
from api.infra.security import SESSION_ACCOUNT_KEY
from api.pages.rendering import HEADERS
from labels.assignment import FoundDevice, found_device

# Not for search engines, not kept by a browser or a proxy, and the address (which holds the
# code) not passed on to the sites a finder might open next.
FOUND_HEADERS = {
    **HEADERS,
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


async def _staff_sees(request: Request, device: FoundDevice) -> bool:
    account_id = request.session.get(SESSION_ACCOUNT_KEY) if request.session else None
    if not account_id:
        return False
    principal = await load_principal(account_id)
    return principal is not None and principal.scope.sees_establishment(
        device.establishment_id, device.region_id
    )


@get(
    ["/a/{code:str}", "/A/{code:str}"],
    exclude_from_auth=True,
    include_in_schema=False,
    name="found_device",
)
async def found(request: Request, code: FromPath[str]) -> Template | Redirect:
    device = await found_device(code)
    if device is not None and await _staff_sees(request, device):
        return Redirect(
            f"/appareils/{quote(device.tag, safe='')}",
            status_code=303,
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )
    return Template(
        template_name="pages/found.html",
        context={"address": device.address if device else None},
        status_code=200 if device else 404,
        headers=FOUND_HEADERS,
    )


ROUTES = [found]
