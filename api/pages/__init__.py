"""Server-rendered HTML pages, in French, for people (the JSON API lives under /api/v1).

`ROUTES` is what the app factory registers; `LOGIN_PATH` is where a 401 on a page leads.
"""

from api.pages import (
    access_log,
    administration,
    agreement_scans,
    asset_incidents,
    assets,
    dashboard,
    device_models,
    directory_import,
    ent_admin,
    ent_signin,
    errors,
    establishments,
    found,
    label_printing,
    login,
    my_account,
    my_space,
    my_space_actions,
    my_space_data,
    my_space_requests,
    reference_admin,
    region_admin,
    remote_signing,
    signing,
    staff_accounts,
    verification,
)
from api.pages import asset_import as asset_import_page
from api.pages import campaigns as campaign_pages
from api.pages import intake as intake_pages
from api.pages import jobs as job_pages
from api.pages import loans as loan_pages
from api.pages import locations as location_pages
from api.pages import scan as scan_page
from api.pages import stocktakes as stocktake_pages
from api.pages import student_erasure as student_erasure_pages
from api.pages import student_import as student_import_pages
from api.pages import students as student_pages
from api.pages import terms as terms_pages
from api.pages.rendering import LOGIN_PATH

ROUTES: list = [
    *login.ROUTES,
    *scan_page.ROUTES,
    *assets.ROUTES,
    *loan_pages.ROUTES,
    *signing.ROUTES,
    *remote_signing.ROUTES,
    *campaign_pages.ROUTES,
    *stocktake_pages.ROUTES,
    *establishments.ROUTES,
    *dashboard.ROUTES,
    *terms_pages.ROUTES,
    *found.ROUTES,
    *verification.ROUTES,
    *agreement_scans.ROUTES,
    *my_space.ROUTES,
    *my_space_actions.ROUTES,
    *my_space_data.ROUTES,
    *my_space_requests.ROUTES,
    *ent_signin.ROUTES,
    *ent_admin.ROUTES,
    *directory_import.ROUTES,
    *intake_pages.ROUTES,
    *asset_import_page.ROUTES,
    *label_printing.ROUTES,
    *administration.ROUTES,
    *staff_accounts.ROUTES,
    *my_account.ROUTES,
    *region_admin.ROUTES,
    *reference_admin.ROUTES,
    *device_models.ROUTES,
    *asset_incidents.ROUTES,
    *student_import_pages.ROUTES,
    *student_erasure_pages.ROUTES,
    *student_pages.ROUTES,
    *access_log.ROUTES,
    *errors.ROUTES,  # the last resort: every address no other route answers
    *location_pages.ROUTES,
    *job_pages.ROUTES,
]

__all__ = ["LOGIN_PATH", "ROUTES"]
