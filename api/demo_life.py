"""The rest of a school's life in the demo, so that every page has something to show on first
start: a running distribution campaign, loans overdue, transferred, lost, stolen (with the
police report) and still a draft, return photos, an open stocktake. Made through the same
use-cases as real work; the paper signature stands in for the convention's e-signature here
(`api.demo_loans` shows that one)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Awaitable, Callable

from PIL import Image, ImageDraw

from api.clock import PARIS
from inventory.scope import Actor, Scope
from inventory.tables import Asset
from loans import campaigns, desk, lifecycle, photos
from loans.storage import Storage
from loans.tables import Loan

# (first name, last name, birth date, guardian's first name or None, what happens)
STUDENTS = (
    ("Nathan", "Girard", dt.date(2010, 3, 1), "Sandrine", "overdue"),
    ("Chloé", "Bonnet", dt.date(2006, 6, 6), None, "transferred"),
    ("Yanis", "Mercier", dt.date(2009, 12, 12), "Nadia", "stolen"),
    ("Manon", "Faure", dt.date(2005, 10, 30), None, "lost"),
    ("Lucas", "Blanc", dt.date(2010, 1, 15), "Éric", "draft"),
    ("Sarah", "Roux", dt.date(2009, 4, 4), "Marc", "active"),
)
ACCESSORIES = ["chargeur"]


def photo_jpeg(seed: int) -> bytes:
    """A small picture of a scratched lid: enough for a thumbnail."""
    image = Image.new("RGB", (320, 240), (200, 200, 205))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 300, 220), outline=(60, 60, 70), width=6)
    draw.line((60 + seed * 20, 60, 240, 180 - seed * 10), fill=(150, 30, 30), width=4)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


async def add_return_photos(storage: Storage, actor: Actor, now: dt.datetime, loan_id: int) -> None:
    await photos.add_photos(
        Scope.platform(), actor, now, loan_id, [photo_jpeg(1), photo_jpeg(2)], storage
    )


async def _in_stock(school: str, count: int) -> list[str]:
    """Devices of `school` free to lend: in stock and with no open loan (one awaiting its
    signatures leaves the device in stock)."""
    reserved = {r["asset"] for r in await Loan.select(Loan.asset).where(Loan.closed_at.is_null())}
    rows = await (
        Asset.select(Asset.id, Asset.tag)
        .where((Asset.establishment.uai == school) & (Asset.state == "in_stock"))
        .order_by(Asset.tag)
        .limit(count + len(reserved))
    )
    return [row["tag"] for row in rows if row["id"] not in reserved][:count]


StudentMaker = Callable[[Actor, dt.datetime, str, int, tuple], Awaitable[int]]


async def load_demo_life(
    student: StudentMaker,
    actor: Actor,
    now: dt.datetime,
    school: str,
    other_school: str,
) -> None:
    """`student(actor, now, school, number, person) -> id` makes a demo student."""
    platform, today = Scope.platform(), now.astimezone(PARIS).date()
    campaign = await campaigns.create_campaign(
        platform,
        actor,
        now,
        establishment_uai=school,
        kind="distribution",
        name="Distribution de rentrée",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=30),
    )
    back = now - dt.timedelta(days=60)  # when the handed-over ones were lent
    for number, (person, tag) in enumerate(
        zip(STUDENTS, await _in_stock(school, len(STUDENTS)), strict=False), start=20
    ):
        outcome = person[4]
        student_id = await student(actor, back, school, number, person)
        loan_id = await lifecycle.prepare_loan(
            platform,
            actor,
            back,
            asset_tag=tag,
            student_id=student_id,
            max_open_per_category=9,
            campaign_id=campaign.id if outcome in ("draft", "active") else None,
            draft=outcome == "draft",
        )
        if outcome == "draft":
            continue
        signed_on = back.astimezone(PARIS).date()
        await lifecycle.record_paper_signature(platform, actor, back, loan_id, signed_on)
        due_on = today + dt.timedelta(days=200)
        if outcome == "overdue":
            due_on = today - dt.timedelta(days=12)
        await lifecycle.hand_over(platform, actor, back, loan_id, ACCESSORIES, due_on)
        if outcome == "transferred":
            await desk.transfer(platform, actor, now, loan_id, other_school)
        elif outcome == "stolen":
            await lifecycle.declare_theft(
                platform,
                actor,
                now,
                loan_id,
                incident_on=today - dt.timedelta(days=5),
                circumstances="Sac arraché à l'arrêt de bus, ordinateur à l'intérieur.",
                police_report_ref="PV 2026/004512",
                police_report_on=today - dt.timedelta(days=4),
            )
        elif outcome == "lost":
            await lifecycle.declare_loss(
                platform,
                actor,
                now,
                loan_id,
                incident_on=today - dt.timedelta(days=2),
                circumstances="Oublié dans le train Orléans – Tours, non retrouvé.",
            )
    await desk.open_stocktake(platform, actor, now, school, "")
