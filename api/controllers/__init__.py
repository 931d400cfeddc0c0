"""The JSON API under /api/v1: one controller module per resource, each listing its
handlers in `ROUTES`. The app factory registers `ROUTES` below and the pages' `ROUTES`,
nothing else: a new resource is a new module added to this list."""

from api.controllers import (
    agreement_batches,
    agreements,
    assets,
    auth,
    campaigns,
    directory_imports,
    documents,
    health,
    labels,
    loans,
    policy,
    reference,
    scan,
    stocktakes,
    students,
    terms,
    verification,
)

ROUTES: list = [
    *health.ROUTES,
    *auth.ROUTES,
    *reference.ROUTES,
    *assets.ROUTES,
    *scan.ROUTES,
    *labels.ROUTES,
    *stocktakes.ROUTES,
    *loans.ROUTES,
    *agreements.ROUTES,
    *agreement_batches.ROUTES,
    *documents.ROUTES,
    *verification.ROUTES,
    *students.ROUTES,
    *directory_imports.ROUTES,
    *policy.ROUTES,
    *terms.ROUTES,
    *campaigns.ROUTES,
]
