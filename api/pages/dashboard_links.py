"""Where each number of the dashboard leads: the existing lists, pre-filtered.

The asset list (`/appareils`: state, establishment, model, sort) and the loan list
(`/prets`: state, overdue, establishment) are scoped by the caller's scope, not by the
dashboard's target. A total is linked only when that list shows exactly the rows counted
(`Links.whole`): an admin reading one region would otherwise land on every region's devices.
Rows of one establishment are always linked, with the establishment as a filter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from api.pages.pagination import page_url
from inventory.scope import Scope
from loans.reports.target import Target

DASHBOARD = "/tableau-de-bord"


def lists_show_target(scope: Scope, target: Target) -> bool:
    """Whether the lists, filtered by establishment only, hold the target's rows and no more."""
    if target.echo.establishment_uai or target.everything:
        return True
    if scope.everything:
        return False
    return scope.region_ids == target.region_ids and scope.establishment_ids <= set(target.places)


@dataclass(frozen=True, slots=True)
class Links:
    whole: bool  # the lists show the target as it is
    establishment: str | None  # the UAI the target is about, if one
    period_from: dt.date
    period_to: dt.date
    today: dt.date

    def assets(
        self, uai: str | None = None, *, state: str = "", model: int | None = None, sort: str = ""
    ) -> str | None:
        uai = uai or self.establishment
        if uai is None and not self.whole:
            return None
        query = {"state": state, "establishment": uai or "", "sort": sort}
        query["model"] = str(model) if model is not None else ""
        return page_url("/appareils", query)

    def loans(
        self,
        uai: str | None = None,
        *,
        state: str = "",
        overdue: bool = False,
        ended: bool = False,
        condition: str = "",
        model: int | None = None,
        ended_between: tuple[dt.date, dt.date] | None = None,
        due_between: tuple[dt.date | None, dt.date | None] = (None, None),
    ) -> str | None:
        """The loan list; `ended`: only the loans ended during the dashboard's period (or
        `ended_between` two days); `due_between`: due from one day to another, both included."""
        uai = uai or self.establishment
        if uai is None and not self.whole:
            return None
        query = {"state": state, "overdue": "1" if overdue else "", "establishment": uai or ""}
        if ended:
            ended_between = (self.period_from, self.period_to)
        if ended_between:
            query["ended_from"] = f"{ended_between[0]:%d/%m/%Y}"
            query["ended_to"] = f"{ended_between[1]:%d/%m/%Y}"
        for name, day in zip(("due_from", "due_to"), due_between, strict=True):
            query[name] = f"{day:%d/%m/%Y}" if day else ""
        query["condition"] = condition
        query["model"] = str(model) if model is not None else ""
        return page_url("/prets", query)

    def by_state(self, state: str, uai: str | None = None) -> str | None:
        """The asset list filtered on the state: it knows "lent" (an open loan) and takes
        lent devices out of "in stock", as the figures do (`inventory.lending`)."""
        return self.assets(uai, state=state)

    def dashboard(self, *, region: str = "", establishment: str = "") -> str:
        """The same dashboard, same period, for one region or establishment."""
        return dashboard_url(region, establishment, self.period_from, self.period_to)


def dashboard_url(
    region: str, establishment: str, period_from: dt.date | None, period_to: dt.date | None
) -> str:
    query = {
        "region": region,
        "establishment": establishment,
        "du": f"{period_from:%d/%m/%Y}" if period_from else "",
        "au": f"{period_to:%d/%m/%Y}" if period_to else "",
    }
    return page_url(DASHBOARD, query)
