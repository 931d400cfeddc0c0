"""Campaigns: creation and its rules, scope, the students concerned, live progress, to-do."""

import datetime as dt

import pytest

from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Scope
from loans import campaign_progress, campaigns, lifecycle
from loans.tables import Loan, Student
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    UAI_B,
    active_loan,
    make_asset,
    make_student,
)

TODAY = NOW.date()  # 1 September 2026, la rentrée
JUNE = dt.datetime(2027, 6, 10, 9, 0, tzinfo=dt.UTC)


def school_a(world) -> Scope:
    return Scope.establishments({world.establishment_ids["A"]: world.region_ids["24"]})


async def _campaign(scope=PLATFORM, now=NOW, **fields):
    values = {
        "establishment_uai": UAI_A,
        "kind": "distribution",
        "name": "Rentrée 2026",
        "starts_on": TODAY,
        "ends_on": TODAY + dt.timedelta(days=14),
        **fields,
    }
    return await campaigns.create_campaign(scope, ACTOR, now, **values)


async def _prepare(tag, student, **options):
    await make_asset(tag, UAI_A, options.pop("model_id"))
    return await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag=tag, student_id=student, max_open_per_category=1, **options
    )


async def test_a_campaign_is_created_with_clean_classes_and_listed_only_within_scope(world):
    created = await _campaign(
        school_a(world), name="  Rentrée   2026 ", class_names=["2nde 3", "2NDE1", "2nde3"]
    )
    assert (created.name, created.class_names, created.status) == (
        "Rentrée 2026",
        ["2NDE1", "2NDE3"],
        "running",
    )
    assert (created.establishment.uai, created.created_by) == (UAI_A, ACTOR.name)
    listed = await campaigns.list_campaigns(school_a(world), TODAY)
    assert [c.id for c in listed.items] == [created.id]
    school_b = Scope.establishments({world.establishment_ids["B"]: world.region_ids["24"]})
    assert (await campaigns.list_campaigns(school_b, TODAY)).total == 0
    with pytest.raises(NotFound):
        await campaigns.get_campaign(school_b, created.id, TODAY)
    region = Scope.region(world.region_ids["24"])
    assert (await campaigns.list_campaigns(region, TODAY, status="running")).total == 1
    assert (await campaigns.list_campaigns(region, TODAY, status="ended")).total == 0


async def test_creation_names_every_wrong_field_in_french(world):
    with pytest.raises(Invalid) as refused:
        await _campaign(kind="prêt", name=" ", class_names=["2nde/3"], starts_on=None)
    assert set(refused.value.errors) == {"kind", "name", "class_names", "starts_on"}
    assert refused.value.errors["name"] == "le nom de la campagne est obligatoire"
    with pytest.raises(Invalid) as refused:
        await _campaign(ends_on=TODAY - dt.timedelta(days=1))
    assert "précéder" in refused.value.errors["ends_on"]


async def test_a_school_outside_the_scope_is_refused_as_unknown(world):
    with pytest.raises(Invalid) as refused:
        await _campaign(school_a(world), establishment_uai=UAI_B)
    assert "hors de votre périmètre" in refused.value.errors["establishment_uai"]


async def test_two_campaigns_of_one_kind_may_not_cover_the_same_classes_at_the_same_time(world):
    await _campaign(class_names=["2NDE1"])
    with pytest.raises(Conflict, match="concerne déjà ces classes"):
        await _campaign(name="Autre", class_names=[])  # every class includes 2NDE1
    await _campaign(name="Secondes 2", class_names=["2NDE2"])
    await _campaign(name="Collecte", kind="collection", class_names=["2NDE1"])
    later = TODAY + dt.timedelta(days=30)
    await _campaign(name="Retardataires", class_names=["2NDE1"], starts_on=later, ends_on=None)


async def test_distribution_progress_counts_each_student_at_the_furthest_step(world):
    campaign = await _campaign(class_names=["2NDE3"])
    model = world.model_id
    handed = (await make_student()).id
    await active_loan(world, "D-1", UAI_A, handed)
    signed = (await make_student()).id
    loan_id = await _prepare("D-2", signed, model_id=model, campaign_id=campaign.id)
    await lifecycle.record_paper_signature(PLATFORM, ACTOR, NOW, loan_id, TODAY)
    await _prepare("D-3", (await make_student()).id, model_id=model, draft=True)
    await make_student()  # missing: no loan yet
    await make_student(class_name="1G2")  # another class
    await make_student(left_on=TODAY)  # left school
    await make_student("B")  # another school
    progress = await campaign_progress.campaign_progress(PLATFORM, campaign.id, TODAY)
    assert progress.counts == {"handed_over": 1, "signed": 1, "prepared": 1, "missing": 1}
    assert (progress.unit, progress.total, progress.done, progress.students) == (
        "students",
        4,
        1,
        4,
    )
    assert [step.key for step in progress.steps if step.done] == ["handed_over"]


async def test_the_todo_lists_what_is_left_per_student_by_class_and_name(world):
    campaign = await _campaign()
    zoe = (await make_student(last_name="Zola", class_name="1G1")).id
    await make_student(last_name="Abel", class_name="2NDE1")
    await _prepare("T-1", zoe, model_id=world.model_id)
    await active_loan(world, "T-2", UAI_A, (await make_student(class_name="1G1")).id)
    todo = await campaign_progress.campaign_todo(PLATFORM, campaign.id)
    assert [(i.class_name, i.last_name, i.todo) for i in todo.items] == [
        ("1G1", "Zola", "Faire signer la convention"),
        ("2NDE1", "Abel", "Préparer un prêt"),
    ]
    assert todo.items[0].loans[0].asset_tag == "T-1"
    page = await campaign_progress.campaign_todo(
        PLATFORM, campaign.id, status="all", limit=2, offset=2
    )
    assert (page.total, len(page.items)) == (3, 1)
    with pytest.raises(Invalid):
        await campaign_progress.campaign_todo(PLATFORM, campaign.id, status="returned")


async def test_a_collection_lists_students_who_left_school_with_a_device_to_return(world):
    campaign = await _campaign(
        now=JUNE, kind="collection", name="Collecte", starts_on=dt.date(2027, 6, 1), ends_on=None
    )
    gone = (await make_student(last_name="Parti")).id
    await active_loan(world, "C-1", UAI_A, gone)
    await Student.update({Student.left_on: dt.date(2027, 2, 1)}).where(Student.id == gone)
    back = (await make_student(last_name="Rendu")).id
    returned = await active_loan(world, "C-2", UAI_A, back)
    await lifecycle.take_back(
        PLATFORM, ACTOR, JUNE, returned, accessories_returned=["chargeur"], condition="A"
    )
    early = await active_loan(world, "C-3", UAI_A, (await make_student()).id)
    may = dt.datetime(2027, 5, 2, 9, 0, tzinfo=dt.UTC)
    await lifecycle.take_back(PLATFORM, ACTOR, may, early, accessories_returned=[], condition="A")
    stolen = await active_loan(world, "C-4", UAI_A, (await make_student(last_name="Volé")).id)
    await lifecycle.declare_theft(
        PLATFORM,
        ACTOR,
        JUNE,
        stolen,
        incident_on=dt.date(2027, 6, 3),
        circumstances="dans le bus",
        police_report_ref="PV 1",
        police_report_on=dt.date(2027, 6, 4),
    )
    progress = await campaign_progress.campaign_progress(PLATFORM, campaign.id, JUNE.date())
    assert progress.counts == {"returned": 1, "ceded": 0, "missing": 1, "to_return": 1}
    assert (progress.unit, progress.students) == ("devices", 3)
    todo = await campaign_progress.campaign_todo(PLATFORM, campaign.id)
    assert [(i.last_name, i.left_on, i.todo) for i in todo.items] == [
        ("Parti", dt.date(2027, 2, 1), "Récupérer C-1 (élève parti de l'établissement)")
    ]


async def test_closing_ends_the_campaign_today_and_cannot_be_done_twice(world):
    campaign = await _campaign(ends_on=None)
    closed = await campaigns.close_campaign(PLATFORM, ACTOR, NOW, campaign.id)
    assert closed.ends_on == TODAY
    with pytest.raises(Conflict, match="se termine déjà aujourd'hui"):
        await campaigns.close_campaign(PLATFORM, ACTOR, NOW, campaign.id)
    tomorrow = TODAY + dt.timedelta(days=1)
    assert (await campaigns.get_campaign(PLATFORM, campaign.id, tomorrow)).status == "ended"
    later = NOW + dt.timedelta(days=1)
    with pytest.raises(Conflict, match="déjà terminée"):
        await campaigns.close_campaign(PLATFORM, ACTOR, later, campaign.id)


async def test_editing_keeps_the_rules_and_refuses_the_kind(world):
    campaign = await _campaign()
    edited = await campaigns.update_campaign(
        PLATFORM, ACTOR, NOW, campaign.id, {"name": "Rentrée", "class_names": ["tle 2"]}
    )
    assert (edited.name, edited.class_names) == ("Rentrée", ["TLE2"])
    with pytest.raises(Invalid) as refused:
        await campaigns.update_campaign(PLATFORM, ACTOR, NOW, campaign.id, {"kind": "collection"})
    assert "kind" in refused.value.errors
    with pytest.raises(Invalid):
        await campaigns.update_campaign(
            PLATFORM, ACTOR, NOW, campaign.id, {"ends_on": TODAY - dt.timedelta(days=3)}
        )


async def test_a_new_loan_belongs_to_the_running_distribution_covering_the_student(world):
    campaign = await _campaign(class_names=["2NDE3"])
    student = (await make_student()).id
    other_class = (await make_student(class_name="1G1")).id
    assert await campaigns.campaign_for_new_loan(PLATFORM, TODAY, student) == campaign.id
    assert await campaigns.campaign_for_new_loan(PLATFORM, TODAY, other_class) is None
    with pytest.raises(Invalid) as refused:
        await campaigns.campaign_for_new_loan(PLATFORM, TODAY, other_class, campaign.id)
    assert "campaign_id" in refused.value.errors
    loan_id = await _prepare("N-1", student, model_id=world.model_id, campaign_id=campaign.id)
    assert (await Loan.select(Loan.campaign).where(Loan.id == loan_id).first())[
        "campaign"
    ] == campaign.id


async def test_progress_reads_a_whole_school_in_a_fixed_number_of_queries(world, monkeypatch):
    campaign = await _campaign()
    for n in range(12):
        student = (await make_student()).id
        if n % 3 == 0:
            await active_loan(world, f"Q-{n}", UAI_A, student)
    engine_class = type(Loan._meta.db)
    queries = []
    original = engine_class.run_querystring

    async def counted(engine, querystring, *args, **kwargs):
        queries.append(querystring)
        return await original(engine, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counted)
    progress = await campaign_progress.campaign_progress(PLATFORM, campaign.id, TODAY)
    assert progress.counts["handed_over"] == 4
    assert 1 <= len(queries) <= 5  # the campaign, then one count per step (four steps)
