"""Report exports: the rows behind the figures as CSV or XLSX, streamed, and the PDF report.

- `/api/v1/reports/exports/assets.csv|xlsx`: every device of the target with its state
  (lent included), model, category, establishment, acquisition date, warranty end;
- `/api/v1/reports/exports/loans.csv|xlsx`: the loans of the target open during the period;
- `/api/v1/reports/exports/{table}.csv|xlsx`: a figure's table (`fleet`, `coverage`,
  `levels`, `loan-states`, `incidents`, `models`, `activity`, `campaigns`), and
  `figures.xlsx`: every figure table, a sheet each;
- `/api/v1/reports/report.pdf`: the report of a region or an establishment over the period.

The same parameters and scope as every report (`api.controllers.reports`): the target is
resolved before the first byte, so that a region or establishment out of reach is a 404
problem, never a cut stream. CSV and XLSX bodies are streamed batch by batch (memory flat
whatever the region's size); file names are French, without accents, as the other exports.
"""

from __future__ import annotations

import asyncio

from litestar import Controller, Request, Response, get
from litestar.params import Parameter
from litestar.response import Stream

from api.accounts.staff import Principal
from api.bodies import UaiQuery
from api.controllers.reports import READ_REPORTS, FromQuery, RegionQuery, ToQuery, report_target
from inventory.errors import NotFound
from inventory.table_export import Table, csv_chunks, xlsx_chunks
from loans import report_pdf
from loans.report_exports import asset_table, loan_table
from loans.report_tables import FIGURE_TABLES, every_figure_table
from loans.reports.target import Target

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"csv": CSV, "xlsx": XLSX}
FIGURE_NAMES = ", ".join(f"{name}.csv, {name}.xlsx" for name in FIGURE_TABLES)


def download_name(stem: str, target: Target, extension: str) -> str:
    """`appareils-region-24-2027-03-15.csv`: what, where, and the day of the figures."""
    echo = target.echo
    if echo.establishment_uai:
        place = echo.establishment_uai
    elif echo.region_code:
        place = f"region-{echo.region_code}"
    else:
        place = "toutes-regions" if target.everything else "perimetre"
    return f"{stem}-{place}-{echo.today.isoformat()}.{extension}"


def _stream(tables: list[Table], stem: str, target: Target, extension: str) -> Stream:
    body = csv_chunks(tables[0]) if extension == "csv" else xlsx_chunks(tables)
    name = download_name(stem, target, extension)
    return Stream(
        body,
        media_type=MEDIA_TYPES[extension],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


class ReportExportController(Controller):
    path = "/api/v1/reports"
    tags = ["rapports"]
    guards = [READ_REPORTS]

    @get(
        "/exports/assets.csv",
        media_type=CSV,
        summary="Appareils du périmètre (CSV), avec leur état (prêté compris)",
    )
    async def assets_csv(
        self,
        request: Request[Principal, None, None],
        region: RegionQuery = None,
        establishment: UaiQuery = None,
        period_from: FromQuery = None,
        period_to: ToQuery = None,
    ) -> Stream:
        target = await report_target(request, region, establishment, period_from, period_to)
        return _stream([asset_table(target)], "appareils", target, "csv")

    @get("/exports/assets.xlsx", media_type=XLSX, summary="Appareils du périmètre (XLSX)")
    async def assets_xlsx(
        self,
        request: Request[Principal, None, None],
        region: RegionQuery = None,
        establishment: UaiQuery = None,
        period_from: FromQuery = None,
        period_to: ToQuery = None,
    ) -> Stream:
        target = await report_target(request, region, establishment, period_from, period_to)
        return _stream([asset_table(target)], "appareils", target, "xlsx")

    @get(
        "/exports/loans.csv",
        media_type=CSV,
        summary="Prêts ouverts pendant la période (CSV)",
        description="Prêts des établissements couverts préparés avant la fin de la période "
        "et non clos avant son début : état, dates, établissement, modèle, état au retour.",
    )
    async def loans_csv(
        self,
        request: Request[Principal, None, None],
        region: RegionQuery = None,
        establishment: UaiQuery = None,
        period_from: FromQuery = None,
        period_to: ToQuery = None,
    ) -> Stream:
        target = await report_target(request, region, establishment, period_from, period_to)
        return _stream([loan_table(target)], "prets", target, "csv")

    @get("/exports/loans.xlsx", media_type=XLSX, summary="Prêts ouverts pendant la période (XLSX)")
    async def loans_xlsx(
        self,
        request: Request[Principal, None, None],
        region: RegionQuery = None,
        establishment: UaiQuery = None,
        period_from: FromQuery = None,
        period_to: ToQuery = None,
    ) -> Stream:
        target = await report_target(request, region, establishment, period_from, period_to)
        return _stream([loan_table(target)], "prets", target, "xlsx")

    @get(
        "/exports/figures.xlsx",
        media_type=XLSX,
        summary="Tous les tableaux des chiffres, une feuille chacun (XLSX)",
    )
    async def figures_xlsx(
        self,
        request: Request[Principal, None, None],
        region: RegionQuery = None,
        establishment: UaiQuery = None,
        period_from: FromQuery = None,
        period_to: ToQuery = None,
    ) -> Stream:
        target = await report_target(request, region, establishment, period_from, period_to)
        return _stream(await every_figure_table(target), "chiffres", target, "xlsx")

    @get(
        "/exports/{file_name:str}",
        summary="Le tableau d'un chiffre (CSV ou XLSX)",
        description=f"Fichiers : {FIGURE_NAMES}.",
    )
    async def figure_table(
        self,
        request: Request[Principal, None, None],
        file_name: str = Parameter(description="par exemple fleet.csv ou coverage.xlsx"),
        region: RegionQuery = None,
        establishment: UaiQuery = None,
        period_from: FromQuery = None,
        period_to: ToQuery = None,
    ) -> Stream:
        name, _, extension = file_name.rpartition(".")
        if name not in FIGURE_TABLES or extension not in MEDIA_TYPES:
            raise NotFound(f"Export {file_name} inconnu ; exports possibles : {FIGURE_NAMES}.")
        target = await report_target(request, region, establishment, period_from, period_to)
        stem, make = FIGURE_TABLES[name]
        return _stream([await make(target)], stem, target, extension)

    @get(
        "/report.pdf",
        media_type="application/pdf",
        summary="Rapport PDF d'une région ou d'un établissement sur la période",
    )
    async def report(
        self,
        request: Request[Principal, None, None],
        region: RegionQuery = None,
        establishment: UaiQuery = None,
        period_from: FromQuery = None,
        period_to: ToQuery = None,
    ) -> Response[bytes]:
        target = await report_target(request, region, establishment, period_from, period_to)
        data = await report_pdf.gather(target)
        pdf = await asyncio.to_thread(report_pdf.render, data)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{download_name("rapport", target, "pdf")}"'
                )
            },
        )


ROUTES = [ReportExportController]
