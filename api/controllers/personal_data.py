"""`GET /api/v1/students/{id}/personal-data`: everything held about a student in one ZIP
archive (RGPD art. 15 and 20; `loans.personal_data_archive`), for staff whose scope sees the
student — region managers, admins, IT staff and heads of the student's school. A student
outside the scope is a 404, like everywhere else. Each export is written in the student's
history. The student space downloads the same archive (`api.pages.my_space_data`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import Controller, Request, get
from litestar.response import Stream

from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import utcnow
from api.infra.security import roles
from api.infra.storage import storage_of
from loans.personal_data_archive import Archive, export_personal_data

EXPORT_STAFF = roles("admin", "region_manager", "it_staff", "head")
ZIP = "application/zip"
CHUNK = 64 * 1024


async def _chunks(archive: Archive) -> AsyncIterator[bytes]:
    try:
        while chunk := archive.file.read(CHUNK):
            yield chunk
    finally:
        archive.file.close()


def zip_response(archive: Archive, headers: dict[str, str] | None = None) -> Stream:
    """The archive streamed from its spooled file, which is closed once sent."""
    return Stream(
        _chunks(archive),
        media_type=ZIP,
        headers={
            "Content-Disposition": f'attachment; filename="{archive.file_name}"',
            "Content-Length": str(archive.size),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            **(headers or {}),
        },
    )


class PersonalDataController(Controller):
    path = "/api/v1/students"
    tags = ["élèves"]
    guards = [EXPORT_STAFF]

    @get(
        "/{student_id:int}/personal-data",
        media_type=ZIP,
        summary="Export des données personnelles d'un élève (ZIP : JSON et documents)",
        description=(
            "Une archive ZIP : README.txt (en français), donnees.json (la fiche, les "
            "représentants, les liaisons ENT, les prêts et leurs événements, conventions, "
            "signatures, documents, photos, déclarations, demandes, relances, historique ; "
            "dates ISO 8601) et les fichiers des documents sous prets/<id>/. L'export est "
            "inscrit dans l'historique de l'élève."
        ),
    )
    async def export(self, request: Request[Principal, None, None], student_id: PathId) -> Stream:
        principal = request.user
        archive = await export_personal_data(
            storage_of(request), principal.scope, principal.actor, utcnow(), student_id
        )
        return zip_response(archive)


ROUTES = [PersonalDataController]
