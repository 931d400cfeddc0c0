"""The progress of a campaign and what is left to do, student by student.

Who a campaign is about:
- distribution: the students enrolled in the establishment (not left), in the campaign's
  classes. A student's step is the furthest one reached by their open loans or by the loans
  of this campaign: prepared, signed, handed over; "missing" when there is none yet. A device
  kept from an earlier year counts as handed over: the student is equipped.
- collection: the devices handed over by the establishment (loan active now, or closed since
  the campaign started by a return, a loss, a theft or a cession) whose student is in the
  campaign's classes, including students who have left school: their device must come back.

The counts are the database's (loans.campaign_students writes the steps as queries); the
to-do list reads one page of students by cursor, then their loans, grouped here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import msgspec

from inventory import keyset
from inventory.errors import Invalid
from inventory.scope import Scope
from loans.agreement_records import signed_states
from loans.campaign_students import (
    KEYS,
    SORT,
    collected_by_state,
    collected_loans,
    considered_loans,
    count_at,
    students_at,
)
from loans.campaigns import CampaignView, campaign_row, view_of
from loans.tables import Loan

# Steps of each kind, in the order a page shows them: the done ones first.
STEPS = {
    "distribution": {
        "handed_over": "appareil remis",
        "signed": "convention signée, à remettre",
        "prepared": "prêt préparé, convention à signer",
        "missing": "sans prêt",
    },
    "collection": {
        "returned": "rendus",
        "ceded": "cédés",
        "missing": "perdus ou volés",
        "to_return": "à rendre",
    },
}
DONE = {"distribution": {"handed_over"}, "collection": {"returned", "ceded", "missing"}}


class ProgressStep(msgspec.Struct, frozen=True):
    key: str
    label: str
    count: int
    done: bool


class CampaignProgress(msgspec.Struct, frozen=True):
    campaign: CampaignView
    unit: str  # "students" (distribution) or "devices" (collection): what `total` counts
    total: int
    done: int
    students: int
    counts: dict[str, int]
    steps: list[ProgressStep]


class TodoLoan(msgspec.Struct, frozen=True):
    id: int
    asset_tag: str
    state: str
    due_on: dt.date | None


class TodoItem(msgspec.Struct, frozen=True):
    student_id: int
    last_name: str
    first_name: str
    class_name: str
    left_on: dt.date | None
    status: str  # a key of STEPS[kind]
    todo: str  # what is left to do, in French ("" when done)
    loans: list[TodoLoan]


class TodoPage(msgspec.Struct, frozen=True):
    items: list[TodoItem]
    total: int  # at most keyset.COUNT_CAP: `total_exact` false means "more than"
    limit: int
    offset: int
    next_cursor: str | None = None
    previous_cursor: str | None = None
    total_exact: bool = True


async def _distribution_lines(row: dict, students: list[dict]) -> list[TodoItem]:
    """The lines of `students` (one page of them), in their order."""
    ids = [student["id"] for student in students] or [0]
    loans_of = considered_loans(row) & Loan.student.is_in(ids)
    loans = await Loan.select(
        Loan.id,
        Loan.student,
        Loan.state,
        Loan.due_on,
        Loan.handed_over_at,
        Loan.asset.tag.as_alias("asset_tag"),
    ).where(loans_of)
    signed = await signed_states([loan["id"] for loan in loans], paper=False)
    by_student = defaultdict(list)
    for loan in loans:
        loan["signed"] = signed[loan["id"]].signed
        by_student[loan["student"]].append(loan)
    return [_distribution_item(s, by_student.get(s["id"], [])) for s in students]


def _distribution_item(student: dict, loans: list[dict]) -> TodoItem:
    if any(loan["state"] == "active" or loan["handed_over_at"] for loan in loans):
        status, todo = "handed_over", ""
    elif any(loan["signed"] for loan in loans):
        status, todo = "signed", "Remettre l'appareil"
    elif any(loan["state"] == "draft" for loan in loans):
        status, todo = "prepared", "Émettre la convention et la faire signer"
    elif loans:
        status, todo = "prepared", "Faire signer la convention"
    else:
        status, todo = "missing", "Préparer un prêt"
    return _item(student, status, todo, loans)


def _item(student: dict, status: str, todo: str, loans: list[dict]) -> TodoItem:
    return TodoItem(
        student_id=student["id"],
        last_name=student["last_name"],
        first_name=student["first_name"],
        class_name=student["class_name"],
        left_on=student["left_on"],
        status=status,
        todo=todo,
        loans=[
            TodoLoan(
                id=loan["id"],
                asset_tag=loan["asset_tag"],
                state=loan["state"],
                due_on=loan["due_on"],
            )
            for loan in sorted(loans, key=lambda loan: loan["id"])
        ],
    )


async def _collection_loans(row: dict, student_ids: list[int]) -> list[dict]:
    """The collected loans of `student_ids` (one page of students)."""
    where = collected_loans(row) & Loan.student.is_in(student_ids or [0])
    if row["class_names"]:
        where &= Loan.student.class_name.is_in(row["class_names"])
    return await Loan.select(
        Loan.id,
        Loan.student,
        Loan.state,
        Loan.due_on,
        Loan.asset.tag.as_alias("asset_tag"),
        Loan.student.last_name.as_alias("last_name"),
        Loan.student.first_name.as_alias("first_name"),
        Loan.student.class_name.as_alias("class_name"),
        Loan.student.left_on.as_alias("left_on"),
    ).where(where)


_COLLECTION_STATUS = {"active": "to_return", "returned": "returned", "ceded": "ceded"}


def _collection_items(loans: list[dict]) -> list[TodoItem]:
    by_student = defaultdict(list)
    for loan in loans:
        by_student[loan["student"]].append(loan)
    items = []
    for student_id, own in by_student.items():
        student = {"id": student_id, **{k: own[0][k] for k in ("last_name", "first_name")}}
        student |= {"class_name": own[0]["class_name"], "left_on": own[0]["left_on"]}
        pending = [loan["asset_tag"] for loan in own if loan["state"] == "active"]
        if pending:
            todo = "Récupérer " + ", ".join(sorted(pending))
            if student["left_on"] is not None:
                todo += " (élève parti de l'établissement)"
            items.append(_item(student, "to_return", todo, own))
        else:
            statuses = {_COLLECTION_STATUS.get(loan["state"], "missing") for loan in own}
            status = next(s for s in ("missing", "returned", "ceded") if s in statuses)
            items.append(_item(student, status, "", own))
    return items


async def campaign_progress(scope: Scope, campaign_id: int, today: dt.date) -> CampaignProgress:
    """Counted by the database, step by step: no line of the campaign is read."""
    row = await campaign_row(scope, campaign_id)
    kind = row["kind"]
    counts = dict.fromkeys(STEPS[kind], 0)
    if kind == "distribution":
        for step in counts:
            counts[step] = await count_at(row, step)
        students = sum(counts.values())
    else:
        for state, n in (await collected_by_state(row)).items():
            counts[_COLLECTION_STATUS.get(state, "missing")] += n
        students = await count_at(row, "all")
    steps = [
        ProgressStep(key=key, label=label, count=counts[key], done=key in DONE[kind])
        for key, label in STEPS[kind].items()
    ]
    return CampaignProgress(
        campaign=view_of(row, today),
        unit="students" if kind == "distribution" else "devices",
        total=sum(counts.values()),
        done=sum(counts[key] for key in DONE[kind]),
        students=students,
        counts=counts,
        steps=steps,
    )


async def _page_lines(row: dict, students: list[dict]) -> list[TodoItem]:
    """The to-do lines of one page's students, in the page's order."""
    if row["kind"] == "distribution":
        return await _distribution_lines(row, students)
    ids = [student["id"] for student in students]
    rank = {student_id: index for index, student_id in enumerate(ids)}
    items = _collection_items(await _collection_loans(row, ids))
    return sorted(items, key=lambda item: rank[item.student_id])


async def campaign_todo(
    scope: Scope,
    campaign_id: int,
    *,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> TodoPage:
    """Student lines, by class and name: by default only those with something left to do;
    `status` "all", or one step's key, to choose. A page after (or before) `cursor`, or
    `offset` lines in (deprecated): the students are chosen by a query, and only those of
    the page have their loans read."""
    after = keyset.decode(cursor, SORT, KEYS)
    row = await campaign_row(scope, campaign_id)
    kind = row["kind"]
    if status not in (None, "pending", "all", *STEPS[kind]):
        keys = ", ".join(("pending", "all", *STEPS[kind]))
        raise Invalid({"status": f"valeurs possibles : {keys}"})
    step = status or "pending"
    skip = offset if after is None else 0
    found = await keyset.fetch_page(
        lambda: students_at(row, step).offset(skip), SORT, KEYS, after, limit
    )
    total, exact = await keyset.capped_count(students_at(row, step))
    return TodoPage(
        items=await _page_lines(row, found.rows),
        total=total,
        limit=limit,
        offset=skip,
        next_cursor=found.next_cursor,
        previous_cursor=found.previous_cursor,
        total_exact=exact,
    )
