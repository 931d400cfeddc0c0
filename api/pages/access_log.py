"""`/protection-des-donnees/acces`: the access log for the region's data protection officer
(their region) and the platform admin (every region) — who read which student's record,
documents or photos, when, and through which page. Read-only; newest first, by cursor; the
same filters as the API (`api/controllers/access_log.py`), typed in French: the student (their
number or INE), the account's number, and the days (JJ/MM/AAAA, both included).
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from api.access_log import audit_scope
from api.accounts.staff import ROLES, Principal
from api.controllers.access_log import AUDIT
from api.pages import cursor_pages
from api.pages.loan_forms import parse_day
from api.pages.rendering import ACCESS_LOG_PAGE, page
from inventory.errors import Invalid
from inventory.keyset import BadCursor
from loans import access_log

PER_PAGE = 50
_LIMITS = {"eleve": 20, "compte": 12, "du": 10, "au": 10}
_FIELDS = {"to": "au", "from": "du"}  # the domain's field names, as this form names them


def _filters(chosen: dict[str, str], errors: dict[str, str]) -> access_log.AccessFilters:
    """The student is a number (their id) or an INE (it holds a letter)."""
    student = chosen["eleve"].replace(" ", "").upper()
    student_id, ine = None, None
    if student.isdigit():
        student_id = int(student)
    elif student:
        ine = student
    account_id = None
    if chosen["compte"]:
        if chosen["compte"].isdigit():
            account_id = int(chosen["compte"])
        else:
            errors["compte"] = "Indiquez le numéro du compte (des chiffres)."
    return access_log.AccessFilters(
        student_id=student_id,
        ine=ine,
        account_id=account_id,
        first_day=parse_day(chosen["du"], "du", errors, required=False),
        last_day=parse_day(chosen["au"], "au", errors, required=False),
    )


class AccessLogPages(Controller):
    path = ACCESS_LOG_PAGE
    include_in_schema = False
    guards = [AUDIT]

    @get("/")
    async def access_log(
        self,
        request: Request[Principal, None, None],
        eleve: Annotated[str | None, QueryParameter(name="eleve")] = None,
        compte: Annotated[str | None, QueryParameter(name="compte")] = None,
        du: Annotated[str | None, QueryParameter(name="du")] = None,
        au: Annotated[str | None, QueryParameter(name="au")] = None,
        cursor: Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)] = None,
        rank: Annotated[str | None, QueryParameter(name=cursor_pages.RANK)] = None,
    ) -> Template:
        raw = {"eleve": eleve, "compte": compte, "du": du, "au": au}
        chosen = {name: " ".join((raw[name] or "").split())[:n] for name, n in _LIMITS.items()}
        errors: dict[str, str] = {}
        filters = _filters(chosen, errors)
        result, pages = None, None
        if not errors:
            try:
                result = await access_log.list_reads(
                    audit_scope(request.user),
                    filters,
                    limit=PER_PAGE,
                    cursor=cursor_pages.page_cursor(cursor),
                )
            except BadCursor:  # the French 400 page (api/errors.py), not the form's 422
                raise
            except Invalid as error:
                errors.update({_FIELDS.get(k, k): v for k, v in error.errors.items()})
            else:
                pages = cursor_pages.CursorPages.of_result(
                    result, cursor_pages.rank(rank), PER_PAGE, ACCESS_LOG_PAGE, chosen
                )
        return page(
            request,
            "pages/access_log.html",
            status=422 if errors else 200,
            chosen=chosen,
            errors=errors,
            result=result,
            pages=pages,
            kinds=access_log.KINDS,
            roles=ROLES,
        )


ROUTES = [AccessLogPages]
