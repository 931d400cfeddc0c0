"""Students and their guardians: list, create, read, update, guardians, departure, CSV import.

Personal data of minors: every read is scoped (IT staff and heads: their establishments;
region managers: their region; admins: all) and a student outside the scope is a 404. Writes:
admin, region manager, IT staff; a head of school reads only.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter

from api.access_log import note_list, note_read
from api.accounts.staff import Principal
from api.bodies import PathId, UaiQuery, UaiText, set_fields
from api.clock import utcnow
from api.cursors import LIST_DESCRIPTION, CursorQuery, OffsetQuery
from api.errors import file_problem
from api.infra.security import roles
from api.request_checks import BODY_TYPES, CSV_TYPES
from inventory.csv_format import LineError
from loans import guardians, student_import, students
from loans.access_log import Read
from loans.views import GuardianView, StudentPage, StudentView

EDIT_STUDENTS = roles("admin", "region_manager", "it_staff")

# Bounds at the door keep oversized values from the database; the domain checks the rest.
Name = Annotated[str, msgspec.Meta(max_length=200)]
EntId = Annotated[str, msgspec.Meta(max_length=100)]
Ine = Annotated[str, msgspec.Meta(max_length=20)]
ClassName = Annotated[str, msgspec.Meta(max_length=40)]
Email = Annotated[str, msgspec.Meta(max_length=254)]
Phone = Annotated[str, msgspec.Meta(max_length=40)]


class GuardianIn(msgspec.Struct, forbid_unknown_fields=True):
    last_name: Name
    first_name: Name
    email: Email = ""
    phone: Phone = ""
    ent_id: EntId | None = None
    legal_authority: bool = True


class GuardianPatch(msgspec.Struct, forbid_unknown_fields=True):
    last_name: Name | msgspec.UnsetType = msgspec.UNSET
    first_name: Name | msgspec.UnsetType = msgspec.UNSET
    email: Email | msgspec.UnsetType = msgspec.UNSET
    phone: Phone | msgspec.UnsetType = msgspec.UNSET
    ent_id: EntId | None | msgspec.UnsetType = msgspec.UNSET
    legal_authority: bool | msgspec.UnsetType = msgspec.UNSET


class StudentIn(msgspec.Struct, forbid_unknown_fields=True):
    establishment_uai: UaiText
    last_name: Name
    first_name: Name
    birth_date: dt.date
    ent_id: EntId | None = None
    ine: Ine | None = None
    class_name: ClassName = ""
    guardians: Annotated[list[GuardianIn], msgspec.Meta(max_length=10)] = []


class StudentPatch(msgspec.Struct, forbid_unknown_fields=True):
    establishment_uai: UaiText | msgspec.UnsetType = msgspec.UNSET
    last_name: Name | msgspec.UnsetType = msgspec.UNSET
    first_name: Name | msgspec.UnsetType = msgspec.UNSET
    birth_date: dt.date | msgspec.UnsetType = msgspec.UNSET
    ent_id: EntId | None | msgspec.UnsetType = msgspec.UNSET
    ine: Ine | None | msgspec.UnsetType = msgspec.UNSET
    class_name: ClassName | msgspec.UnsetType = msgspec.UNSET


class LeftIn(msgspec.Struct, forbid_unknown_fields=True):
    left_on: dt.date


class StudentImportOut(msgspec.Struct):
    dry_run: bool
    rows: int
    created: int
    updated: int
    errors: list[LineError]


class StudentController(Controller):
    path = "/api/v1/students"
    tags = ["élèves"]

    @get("/", summary="Élèves du périmètre, par nom", description=LIST_DESCRIPTION)
    async def list_students(
        self,
        request: Request[Principal, None, None],
        establishment: UaiQuery = None,
        class_name: Annotated[
            str | None, QueryParameter(name="class", description="Classe", max_length=40)
        ] = None,
        left: Annotated[
            bool | None, QueryParameter(description="true : partis ; false : inscrits")
        ] = None,
        q: Annotated[
            str | None, QueryParameter(description="Début du nom ou du prénom", max_length=100)
        ] = None,
        ent_id: Annotated[
            str | None,
            QueryParameter(description="Clé ENT : l'élève lié à ce compte ENT", max_length=100),
        ] = None,
        ine: Annotated[
            str | None, QueryParameter(description="Début de l'INE", max_length=20)
        ] = None,
        limit: FromQuery[int] = 50,
        offset: OffsetQuery = 0,
        cursor: CursorQuery = None,
    ) -> StudentPage:
        filters = students.StudentFilters(
            establishment_uai=establishment,
            class_name=class_name,
            left=left,
            q=q,
            ent_id=ent_id,
            ine=ine,
        )
        found = await students.list_students(
            request.user.scope, filters, limit=limit, offset=offset, cursor=cursor
        )
        note_list(request, [s.id for s in found.items], filters)
        return found

    @post("/", guards=[EDIT_STUDENTS], summary="Inscrire un élève")
    async def create_student(
        self, request: Request[Principal, None, None], data: JSONBody[StudentIn]
    ) -> StudentView:
        principal = request.user
        fields = msgspec.structs.asdict(data)
        fields["guardians"] = [msgspec.structs.asdict(g) for g in data.guardians]
        return await students.create_student(principal.scope, principal.actor, utcnow(), fields)

    @post(
        "/import",
        guards=[EDIT_STUDENTS],
        status_code=200,
        summary="Import CSV d'élèves et de représentants (tout ou rien)",
        description=(
            "Corps : le fichier CSV (text/csv), une ligne par élève : uai, ent_id, ine, "
            "last_name, first_name, birth_date (JJ/MM/AAAA), class_name, puis guardian1_… à "
            "guardian4_… (last_name, first_name, email, phone, legal_authority, ent_id). "
            "`dry_run=true` (par défaut) vérifie sans rien écrire ; `dry_run=false` crée ou "
            "met à jour tout, ou rien et répond 422 avec les erreurs par ligne et colonne."
        ),
        request_max_body_size=16 * 1024 * 1024,  # 20,000 rows of a few hundred bytes
        opt={BODY_TYPES: CSV_TYPES},
    )
    async def import_students(
        self, request: Request[Principal, None, None], dry_run: FromQuery[bool] = True
    ) -> StudentImportOut:
        principal = request.user
        report = await student_import.import_students(
            principal.scope, principal.actor, utcnow(), await request.body(), dry_run=dry_run
        )
        if report.errors and not dry_run:
            raise file_problem(report.errors)
        return StudentImportOut(
            dry_run=dry_run,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            errors=report.errors,
        )

    @get("/{student_id:int}", summary="Un élève et ses représentants")
    async def get_student(
        self, request: Request[Principal, None, None], student_id: PathId
    ) -> StudentView:
        found = await students.get_student(request.user.scope, student_id)
        note_read(request, Read("record", (student_id,)))
        return found

    @patch("/{student_id:int}", guards=[EDIT_STUDENTS], summary="Modifier un élève")
    async def update_student(
        self,
        request: Request[Principal, None, None],
        student_id: PathId,
        data: JSONBody[StudentPatch],
    ) -> StudentView:
        principal = request.user
        return await students.update_student(
            principal.scope, principal.actor, utcnow(), student_id, set_fields(data)
        )

    @post(
        "/{student_id:int}/left",
        guards=[EDIT_STUDENTS],
        status_code=200,
        summary="Noter le départ d'un élève",
    )
    async def mark_left(
        self,
        request: Request[Principal, None, None],
        student_id: PathId,
        data: JSONBody[LeftIn],
    ) -> StudentView:
        principal = request.user
        return await students.mark_left(
            principal.scope, principal.actor, utcnow(), student_id, data.left_on
        )

    @post(
        "/{student_id:int}/guardians",
        guards=[EDIT_STUDENTS],
        summary="Ajouter un représentant",
    )
    async def add_guardian(
        self,
        request: Request[Principal, None, None],
        student_id: PathId,
        data: JSONBody[GuardianIn],
    ) -> GuardianView:
        principal = request.user
        return await guardians.add_guardian(
            principal.scope, principal.actor, utcnow(), student_id, msgspec.structs.asdict(data)
        )

    @patch(
        "/{student_id:int}/guardians/{guardian_id:int}",
        guards=[EDIT_STUDENTS],
        summary="Modifier un représentant",
    )
    async def update_guardian(
        self,
        request: Request[Principal, None, None],
        student_id: PathId,
        guardian_id: PathId,
        data: JSONBody[GuardianPatch],
    ) -> GuardianView:
        principal = request.user
        return await guardians.update_guardian(
            principal.scope, principal.actor, utcnow(), student_id, guardian_id, set_fields(data)
        )

    @delete(
        "/{student_id:int}/guardians/{guardian_id:int}",
        guards=[EDIT_STUDENTS],
        summary="Retirer un représentant",
    )
    async def remove_guardian(
        self, request: Request[Principal, None, None], student_id: PathId, guardian_id: PathId
    ) -> None:
        principal = request.user
        await guardians.remove_guardian(
            principal.scope, principal.actor, utcnow(), student_id, guardian_id
        )


ROUTES = [StudentController]
