"""`POST /api/v1/regions/{code}/directory-imports`: the AAF files that feed the ENTs, imported
into the region's students and guardians (region manager of that region, or admin).

`dry_run=true` (the default) reads and checks everything and reports what the import would
do, writing nothing; `dry_run=false` imports and reports what it did. Entries with errors
are reported (entry id, AAF attribute, message) and skipped; a hostile or unreadable file
stops everything: 422 naming `files`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Request, post
from litestar.params import FromPath, QueryParameter

from api.accounts.staff import Principal
from api.clock import utcnow
from api.directory_uploads import BODY_LIMIT, XML_TYPES, uploaded_files
from api.infra.security import roles
from api.request_checks import BODY_TYPES
from loans.directory_import import DirectoryImportReport, import_directory

IMPORT_DIRECTORY = roles("admin", "region_manager")  # of the region, by scope


@post(
    "/api/v1/regions/{code:str}/directory-imports",
    guards=[IMPORT_DIRECTORY],
    opt={BODY_TYPES: XML_TYPES},
    request_max_body_size=BODY_LIMIT,
    status_code=200,
    tags=["régions"],
    summary="Importer l'annuaire (fichiers AAF) : élèves et représentants de la région",
    description=(
        "Corps : un fichier AAF (`application/xml`, XML `ficAlimMENESR`), ou plusieurs en "
        "multipart (champ `files`) quand l'export est découpé (établissements, élèves, "
        "représentants). `mode` : `complet` (remplace la population des lycées nommés : les "
        "absents sont notés partis) ou `delta` (applique les ajouts, modifications et "
        "suppressions) ; sans `mode`, le nom des fichiers multipart le dit (`…_Complet_…`). "
        "`dry_run=true` (par défaut) vérifie et rend compte sans rien écrire. Les entrées en "
        "erreur sont listées (identifiant, attribut) et ignorées ; un fichier illisible ou "
        "hostile (déclarations d'entités, entités externes) arrête tout : 422 sur `files`."
    ),
)
async def import_directory_files(
    request: Request[Principal, None, None],
    code: FromPath[str],
    dry_run: Annotated[bool, QueryParameter(description="vérifier sans rien écrire")] = True,
    mode: Annotated[
        Literal["complet", "delta"] | None,
        QueryParameter(description="complet ou delta ; par défaut d'après le nom des fichiers"),
    ] = None,
) -> DirectoryImportReport:
    principal = request.user
    files = await uploaded_files(request)
    return await import_directory(
        principal.scope, principal.actor, utcnow(), code, files, mode=mode, dry_run=dry_run
    )


ROUTES = [import_directory_files]
