"""Three school years of loans in one school of the scale demo, simulated in time order so
that the rows are what the app itself would have written:

- each September, every enrolled student is prepared a loan of each category they use, from
  the devices in stock (none left: they wait); the convention is signed on paper (agreement
  without PDF, paper signatures without scan, as the desk records them), then handed over;
- during the year a few devices are lost, stolen or come back damaged (to repair, then back
  in stock or retired), and the student gets another one; students leaving give theirs back;
- in June devices come back with their accessories and a condition; in the last June a few
  are not returned (overdue now); in the current year a few loans still await a signature.

Each transition writes its loan event and, when the device changes, its asset event, with the
same actions and `changes` as `loans.lifecycle`. Nothing happens after `now`.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random

from api.demo_scale_people import ACTOR_NAME, Device, Ids, Pupil, at, text
from loans.default_terms import DEFAULT_TERMS_VERSION
from loans.minors import PARIS, is_minor

DAY = dt.timedelta(days=1)
DAMAGES = ("écran fissuré", "charnière cassée", "clavier hors d'usage", "ne démarre plus")
CONDITIONS = "AAABBBBBCCCD"  # at a June return: mostly good, a few damaged
# 4G hotspots are lent for a term at a time: the first day loans are prepared (month, day),
# over how many days, and the due date (month, day); months count from 0 for January of the
# year the school year starts in (12 is the next January).
TERM_CATEGORIES = ("hotspot",)
TERMS = (((7, 28), 40, (11, 18)), ((12, 4), 10, (14, 31)), ((15, 13), 10, (18, 4)))
YEAR = ((7, 28), 40, (18, 4))  # everything else: prepared from 28 August, due on 4 July


def _period(year: int, period: tuple) -> tuple[dt.date, int, dt.date]:
    (start_month, start_day), days, (due_month, due_day) = period
    start = dt.date(year + start_month // 12, start_month % 12 + 1, start_day)
    return start, days, dt.date(year + due_month // 12, due_month % 12 + 1, due_day)


class School:
    def __init__(
        self,
        rng: random.Random,
        ids: Ids,
        now: dt.datetime,
        establishment_id: int,
        head_name: str,
        devices: list[Device],
        created: dict[int, dt.datetime],
    ) -> None:
        self.rng, self.ids, self.now = rng, ids, now
        self.today = now.astimezone(PARIS).date()
        self.establishment_id, self.head_name = establishment_id, head_name
        self.free: dict[str, list[tuple[dt.datetime, int, Device]]] = {}
        for device in devices:  # in stock from the day it was recorded
            self.release(device, created[device.id])
        self.loans: list[tuple] = []
        self.agreements: list[tuple] = []
        self.signatures: list[tuple] = []
        self.asset_events: list[tuple] = []
        self.loan_events: list[tuple] = []

    # Devices ------------------------------------------------------------------------------

    def release(self, device: Device, when: dt.datetime) -> None:
        heapq.heappush(self.free.setdefault(device.category, []), (when, device.id, device))

    def take(self, category: str, when: dt.datetime) -> Device | None:
        heap = self.free.get(category)
        if not heap or heap[0][0] > when:
            return None
        return heapq.heappop(heap)[2]

    def asset_event(self, device: Device, when: dt.datetime, action: str, changes: dict) -> None:
        device.updated_at = when
        self.asset_events.append(
            (device.id, when, None, ACTOR_NAME, action, text(changes), self.establishment_id)
        )

    def loan_event(self, loan_id: int, when: dt.datetime, action: str, changes: dict) -> None:
        self.loan_events.append(
            (loan_id, when, None, ACTOR_NAME, action, text(changes), self.establishment_id)
        )

    # A school year ------------------------------------------------------------------------

    def run_year(self, year: int, pupils: list[Pupil], campaign_id: int, last: bool) -> None:
        """`last`: the current school year (loans may still await their signatures)."""
        self.year, self.current = year, last
        order = pupils[:]
        self.rng.shuffle(order)
        for term in range(len(TERMS)):
            for pupil in order:
                for category in pupil.wants:
                    by_term = category in TERM_CATEGORIES
                    if term > 0 and not by_term:
                        continue  # lent for the whole year at the first term
                    start, days, due = _period(year, TERMS[term] if by_term else YEAR)
                    day = start + self.rng.randrange(days) * DAY
                    if category in pupil.open or day > self.today:
                        continue
                    if pupil.enrolled(year, day):
                        campaign = campaign_id if term == 0 else None
                        self.lend(pupil, category, day, due, campaign, replacement=False)

    def lend(
        self,
        pupil: Pupil,
        category: str,
        day: dt.date,
        due: dt.date,
        campaign_id: int | None,
        replacement: bool,
    ) -> None:
        rng = self.rng
        prepared = at(day, rng.randrange(540))
        device = self.take(category, prepared)
        if device is None:
            return  # nothing in stock: the student waits
        loan = {"id": self.ids.next("loan"), "state": "awaiting_signature", "device": device}
        loan.update(student=pupil.id, campaign=campaign_id, category=category, created=prepared)
        loan["due"] = due
        self.loan_event(
            loan["id"],
            prepared,
            "prepare_loan",
            {"state": [None, "awaiting_signature"], "asset_tag": [None, device.tag]},
        )
        pupil.open[category] = loan["id"]
        try:
            self._carry_on(pupil, loan, replacement)
        finally:
            self._write_loan(loan)
            if loan["state"] not in ("awaiting_signature", "active"):
                pupil.open.pop(category, None)
        if loan.get("replace_on"):
            self.lend(pupil, category, loan["replace_on"], due, None, replacement=True)

    def _carry_on(self, pupil: Pupil, loan: dict, replacement: bool) -> None:
        rng, device, loan_id = self.rng, loan["device"], loan["id"]
        draw = rng.random()
        if draw < 0.01:  # cancelled before the hand-over
            when = loan["created"] + (1 + rng.randrange(9)) * DAY
            if when <= self.now:
                loan["circumstances"] = "erreur de saisie"
                values = {"circumstances": ["", "erreur de saisie"]}
                self._close(loan, "cancel", "cancelled", when, values)
                self.release(device, when)
            return
        if self.current and draw < 0.04:
            return  # the convention is still out for signature
        signed = (
            loan["created"] + rng.randrange(7) * DAY + rng.randrange(60) * dt.timedelta(minutes=1)
        )
        if signed > self.now:
            return
        self._sign(pupil, loan, signed)
        handed = signed + rng.randrange(4) * DAY + dt.timedelta(minutes=rng.randrange(120))
        if handed > self.now or (self.current and draw < 0.055):
            return  # signed, to hand over
        due = loan.pop("due")
        loan.update(state="active", handed=handed, due_on=due, given=device.accessories)
        changes = {
            "state": ["awaiting_signature", "active"],
            "handed_over_at": [None, handed.isoformat()],
            "accessories_given": [[], device.accessories],
            "due_on": [None, due.isoformat()],
        }
        self.loan_event(loan_id, handed, "hand_over", changes)
        self.asset_event(device, handed, "hand_over", {"loan_id": [None, loan_id]})
        self._end(pupil, loan, replacement)

    def _sign(self, pupil: Pupil, loan: dict, signed: dt.datetime) -> None:
        """Paper signatures of every party, recorded at the desk (`record_paper_signatures`)."""
        day = signed.astimezone(PARIS).date()
        signers = [("student", pupil.name, None, None)]
        if is_minor(pupil.birth_date, day):
            signers += [("guardian", name, g, "Représentant légal") for g, name in pupil.guardians]
        signers.append(("head_of_school", self.head_name, None, None))
        agreement_id = self.ids.next("agreement")
        required = [
            {"role": role, "name": name, "guardian_id": guardian, "label": label}
            for role, name, guardian, label in signers
        ]
        self.agreements.append(
            (agreement_id, loan["id"], 1, DEFAULT_TERMS_VERSION, None, None, None, text(required),
             None, f"{self.rng.getrandbits(128):032x}", signed, ACTOR_NAME, None, signed)
        )  # fmt: skip
        moment = min(dt.datetime.combine(day, dt.time(12), PARIS), signed).astimezone(dt.UTC)
        for role, name, guardian, _ in signers:
            self.signatures.append(
                (self.ids.next("signature"), agreement_id, role, guardian, name, "paper", moment,
                 "", "", None, None, None, True, None, ACTOR_NAME, None, "")
            )  # fmt: skip
        self.loan_event(
            loan["id"],
            signed,
            "paper_signature",
            {
                "state": ["awaiting_signature", "awaiting_signature"],
                "paper_signed_on": [None, day.isoformat()],
            },
        )

    def _end(self, pupil: Pupil, loan: dict, replacement: bool) -> None:
        rng, handed = self.rng, loan["handed"]
        june = loan["due_on"] - 26 * DAY  # the collection before the due date
        draw = rng.random()
        span = max(1, (june - handed.date()).days - 14)
        incident = handed.date() + (7 + rng.randrange(span)) * DAY
        leaves = pupil.leaves_on
        if not replacement and draw < 0.035 and (leaves is None or incident < leaves):
            when = at(incident, rng.randrange(540))
            if when > self.now:
                return
            if draw < 0.024:
                self._lost_or_stolen(loan, when, incident, stolen=draw >= 0.014)
            else:
                self._take_back(loan, when, "D", rng.choice(DAMAGES))
            again = incident + (1 + rng.randrange(14)) * DAY
            if again <= self.today and pupil.enrolled(self.year, again):
                loan["replace_on"] = again
            return
        if leaves is not None and leaves < june:
            day = max(handed.date() + DAY, leaves - rng.randrange(5) * DAY)
        elif loan["due_on"] < self.today < loan["due_on"] + 200 * DAY and rng.random() < 0.025:
            return  # not brought back at the last collection: overdue now
        else:
            day = june + rng.randrange(26) * DAY
        when = at(day, rng.randrange(540))
        if when > self.now:
            return
        condition = rng.choice(CONDITIONS)
        self._take_back(loan, when, condition, rng.choice(DAMAGES) if condition == "D" else "")

    def _lost_or_stolen(self, loan: dict, when: dt.datetime, day: dt.date, stolen: bool) -> None:
        values = {"incident_on": [None, day.isoformat()]}
        if stolen:
            ref = f"PV {day.year}/{self.rng.randrange(10**6):06d}"
            values |= {"police_report_ref": ["", ref], "police_report_on": [None, day.isoformat()]}
            loan.update(police_ref=ref, police_on=day)
        circumstances = "vol à l'arraché" if stolen else "oublié dans les transports"
        values["circumstances"] = ["", circumstances]
        loan.update(incident=day, circumstances=circumstances)
        action, state = ("declare_theft", "stolen") if stolen else ("declare_loss", "lost")
        self._close(loan, action, state, when, values)
        device = loan["device"]
        self.asset_event(
            device, when, action, {"state": ["in_stock", state], "loan_id": [None, loan["id"]]}
        )
        device.state = state

    def _take_back(self, loan: dict, when: dt.datetime, condition: str, notes: str) -> None:
        rng, device = self.rng, loan["device"]
        returned = list(loan["given"])
        if returned and rng.random() < 0.05:
            returned.pop()  # an accessory missing
        loan.update(returned=returned, condition=condition, notes=notes)
        values = {
            "accessories_returned": [[], returned],
            "return_condition": [None, condition],
            "damage_notes": ["", notes],
        }
        self._close(loan, "take_back", "returned", when, values)
        state = "in_repair" if notes else "in_stock"
        changes = {}
        if state != device.state:
            changes["state"] = [device.state, state]
        if condition != device.condition:
            changes["condition"] = [device.condition, condition]
        changes["loan_id"] = [None, loan["id"]]
        self.asset_event(device, when, "take_back", changes)
        device.state, device.condition = state, condition
        if state == "in_stock":
            self.release(device, when)
            return
        repaired = when + (14 + rng.randrange(50)) * DAY
        if repaired > self.now:
            return  # still at the repairer's
        if rng.random() < 0.85:
            change = {"state": ["in_repair", "in_stock"], "condition": ["D", "B"]}
            device.state, device.condition = "in_stock", "B"
            self.release(device, repaired)
        else:
            change = {"state": ["in_repair", "retired"]}
            device.state = "retired"
        self.asset_event(device, repaired, "updated", change)

    def _close(self, loan: dict, action: str, state: str, when: dt.datetime, values: dict) -> None:
        loan.update(state=state, closed=when)
        before = "active" if loan.get("handed") else "awaiting_signature"
        changes = {"state": [before, state], **values}
        self.loan_event(loan["id"], when, action, changes)

    def _write_loan(self, loan: dict) -> None:
        self.loans.append(
            (loan["id"], loan["device"].id, loan["student"], self.establishment_id,
             loan["campaign"], None, loan["state"], loan["category"], 1, loan.get("due_on"), None,
             text(loan.get("given", [])), text(loan.get("returned", [])), loan.get("condition"),
             loan.get("notes", ""), loan.get("incident"), loan.get("circumstances", ""),
             loan.get("police_ref", ""), loan.get("police_on"), loan["created"],
             loan.get("handed"), loan.get("closed"))
        )  # fmt: skip
