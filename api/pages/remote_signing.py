"""`/signer/{token}`: where a mailed signing link leads, for a signer without an account (a
guardian at home, an adult student). The token is the only authority: it names one signer of
one version of one loan's convention (`loans.signing_links`).

The page shows the convention (its PDF served through the token, `/signer/{token}/convention.pdf`,
never the staff API) and a short summary, then the same read-tick-draw form as in person.
Once signed: « Merci, votre signature est enregistrée ». A used, expired or unknown link gets
a French page that shows nothing of the loan. Like `/a/{code}` and `/verify`: not indexed,
not cached, and the address (which holds the token) never sent on as a referrer.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from api.clock import today, utcnow
from api.controllers.agreements import client_of, pdf_response
from api.infra.storage import storage_of
from api.pages.found import FOUND_HEADERS
from api.pages.signing import int_of, placed_errors, signature_form, summary_of
from api.pages.signing_panel import role_name
from api.sealed_agreements import seal_after_signature
from inventory.errors import Conflict, DomainError, NotFound
from inventory.scope import SYSTEM, Scope
from loans import agreements, signing_links
from loans.records import get_loan

TOKEN_LIMIT = 100  # tokens are 43 characters; anything much longer is not one
UNKNOWN = (
    "Ce lien de signature n'existe pas. Vérifiez qu'il a été copié en entier, ou demandez-en "
    "un nouveau à l'établissement."
)


def _page(template: str, *, status: int = 200, **context: Any) -> Template:
    return Template(
        template_name=template, context=context, status_code=status, headers=FOUND_HEADERS
    )


def _refused(error: DomainError) -> Template:
    """Used, expired, superseded (410) or unknown (404): a reason, nothing of the loan."""
    if isinstance(error, Conflict):
        return _page("pages/signing_link_refused.html", status=410, reason=error.message)
    return _page("pages/signing_link_refused.html", status=404, reason=UNKNOWN)


async def _form(
    request: Request, token: str, *, status: int = 200, errors: dict | None = None
) -> Template:
    try:
        link = await signing_links.open_link(token, utcnow()) if len(token) <= TOKEN_LIMIT else None
    except DomainError as refused:
        return _refused(refused)
    if link is None:
        return _refused(NotFound(UNKNOWN))
    platform = Scope.platform()  # the token names its loan: nothing else is read
    loan = await get_loan(platform, link.loan_id, today())
    agreement = await agreements.agreement_status(platform, link.loan_id)
    return _page(
        "pages/signing_remote.html",
        status=status,
        link=link,
        token=token,
        summary=await summary_of(platform, loan, agreement, link.school_name),
        signer=link,
        errors=errors or {},
        signer_role=role_name,
    )


@get("/signer/merci", exclude_from_auth=True, include_in_schema=False, name="signed_remotely")
async def thanks(request: Request) -> Template:
    return _page("pages/signing_thanks.html")


@get("/signer/{token:str}", exclude_from_auth=True, include_in_schema=False, name="signing_link")
async def signing_link(request: Request, token: FromPath[str]) -> Template:
    return await _form(request, token)


@get(
    "/signer/{token:str}/convention.pdf",
    exclude_from_auth=True,
    include_in_schema=False,
    name="signing_link_pdf",
)
async def signing_link_pdf(request: Request, token: FromPath[str]) -> Response | Template:
    if len(token) > TOKEN_LIMIT:
        return _refused(NotFound(UNKNOWN))
    try:
        link = await signing_links.open_link(token, utcnow())
        content = await signing_links.link_pdf(storage_of(request), token, utcnow())
    except DomainError as refused:
        return _refused(refused)
    response = pdf_response(link.loan_id, link.version, content)
    response.headers.update({"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"})
    return response


@post(
    "/signer/{token:str}",
    exclude_from_auth=True,
    include_in_schema=False,
    name="sign_with_link",
)
async def sign_with_link(request: Request, token: FromPath[str]) -> Template | Redirect:
    if len(token) > TOKEN_LIMIT:
        return _refused(NotFound(UNKNOWN))
    form = await request.form()
    errors, image = signature_form(form)
    version = int_of(form, "version")
    if version is None:
        errors["convention"] = "La version de la convention lue manque : rechargez la page."
    if errors:
        return await _form(request, token, status=422, errors=errors)
    try:
        link = await signing_links.open_link(token, utcnow())
    except DomainError as refused:
        return _refused(refused)
    address, agent = client_of(request)
    try:
        await signing_links.sign_with_link(
            storage_of(request),
            token,
            utcnow(),
            loan_id=link.loan_id,
            version=version or 0,
            sha256=(form.get("sha256") or "")[:64] if isinstance(form.get("sha256"), str) else "",
            image_png=image or b"",
            client_address=address,
            user_agent=agent,
        )
    except DomainError as refused:
        if refused.fields.get("token"):
            return _refused(refused)
        return await _form(request, token, status=refused.status, errors=placed_errors(refused))
    # The signer has no account: the seal, if this was the last signature, is the system's act
    # on the loan the link names.
    await seal_after_signature(request, Scope.platform(), SYSTEM, link.loan_id, utcnow())
    return Redirect("/signer/merci", status_code=303, headers={"Referrer-Policy": "no-referrer"})


ROUTES = [thanks, signing_link, signing_link_pdf, sign_with_link]
