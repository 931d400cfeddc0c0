"""Borrowers, region policies, loans and their history.

The invariants the code relies on are the database's to keep:
- one open loan per asset (partial unique index on `loan(asset) WHERE closed_at IS NULL`);
- the policy's maximum of open loans per student and device category: each open loan takes a
  numbered slot (1..max) and `loan(student, category, slot) WHERE closed_at IS NULL` is unique,
  so two concurrent hand-overs can never both take the last slot;
- one ENT account per student within a region (`student(region, ent_id)` unique when set);
- one pending ENT link proposal per ENT account of a region, and one pending loss or theft
  declaration per loan (partial unique indexes, see their migration);
- one row per version number of a region's terms (`terms_version(region, version)` unique), so
  two concurrent publishes can never give the same number.
"""

from piccolo.columns import (
    JSON,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from inventory.tables import Asset, DeviceModel, Establishment, Region


class Student(Table, tablename="student"):
    """A lycéen. Personal data of a minor: the minimum, never listed outside scope."""

    id: Serial  # the primary key Piccolo adds to every table, named for the type checker
    region = ForeignKey(references=Region, on_delete=OnDelete.restrict, index=True)
    establishment = ForeignKey(references=Establishment, on_delete=OnDelete.restrict, index=True)
    ent_id = Varchar(length=100, null=True, default=None)  # the ENT's stable key
    ine = Varchar(length=11, null=True, default=None)  # identifiant national élève
    last_name = Varchar(length=100)
    first_name = Varchar(length=100)
    birth_date = Date()
    class_name = Varchar(length=20, default="")  # e.g. "2NDE3"
    left_on = Date(null=True, default=None)  # None while enrolled
    created_at = Timestamptz()
    # Set when the personal data was removed (retention or erasure, loans.forgetting): the
    # row stays, pseudonymous, so that loans and figures still add up.
    anonymised_at = Timestamptz(null=True, default=None)


class Guardian(Table, tablename="guardian"):
    """A legal representative (or another adult contact) of a student."""

    id: Serial
    student = ForeignKey(references=Student, on_delete=OnDelete.cascade, index=True)
    last_name = Varchar(length=100)
    first_name = Varchar(length=100)
    email = Varchar(length=254, default="")
    phone = Varchar(length=40, default="")
    ent_id = Varchar(length=100, null=True, default=None)
    legal_authority = Boolean(default=True)


class StudentEvent(Table, tablename="student_event"):
    """One change of a student or of their guardians, append-only, with an actor snapshot.
    `changes` names the fields changed (before -> after for the school's own fields: class,
    departure, establishment; names and identifiers only as field names, as in the audit
    log: the history outlives a correction of a minor's personal data)."""

    id: Serial
    student = ForeignKey(references=Student, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz()
    actor_id = Integer(null=True, default=None)
    actor_name = Varchar(length=200)
    action = Varchar(length=40)
    changes = JSON(default={})


class RegionPolicy(Table, tablename="region_policy"):
    id: Serial
    region = ForeignKey(references=Region, on_delete=OnDelete.cascade, unique=True)
    end_rule = Varchar(length=20, default="school_year")  # or "cycle"
    school_year_end = Date(null=True, default=None)  # loan end for "school_year"
    max_open_per_category = Integer(default=1)
    cession_allowed = Boolean(default=False)
    guardian_cosign_for_minors = Boolean(default=True)
    accessories_by_model = JSON(default={})  # {"<model id>": ["chargeur", …]}
    updated_at = Timestamptz()
    # Retention, in whole months (loans.retention_rules: defaults, bounds, reasons).
    retention_student_months = Integer(default=12)
    retention_photo_months = Integer(default=12)
    retention_evidence_months = Integer(default=60)
    retention_access_log_months = Integer(default=12)


class PolicyEvent(Table, tablename="policy_event"):
    id: Serial
    region = ForeignKey(references=Region, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz()
    actor_id = Integer(null=True, default=None)
    actor_name = Varchar(length=200)
    changes = JSON(default={})


class Campaign(Table, tablename="campaign"):
    """A distribution (rentrée) or collection (June) campaign of one establishment."""

    id: Serial
    establishment = ForeignKey(references=Establishment, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=12)  # "distribution" or "collection"
    name = Varchar(length=150)
    class_names = JSON(default=[])  # empty: every class
    starts_on = Date()
    ends_on = Date(null=True, default=None)
    created_at = Timestamptz()
    created_by = Varchar(length=200)


class Loan(Table, tablename="loan"):
    id: Serial
    asset = ForeignKey(references=Asset, on_delete=OnDelete.restrict, index=True)
    student = ForeignKey(references=Student, on_delete=OnDelete.restrict, index=True)
    establishment = ForeignKey(references=Establishment, on_delete=OnDelete.restrict, index=True)
    campaign = ForeignKey(references=Campaign, on_delete=OnDelete.set_null, null=True)
    # A transfer closes the loan at the old school and opens its continuation at the new one.
    previous: ForeignKey["Loan"] = ForeignKey(
        references="self", on_delete=OnDelete.restrict, null=True
    )
    # draft, awaiting_signature, active, returned, transferred, ceded, lost, stolen, cancelled
    state = Varchar(length=20, index=True)
    category = Varchar(length=20)  # the device model's category, for the per-student maximum
    slot = Integer(default=1)  # 1..policy maximum while open (see the module docstring)
    due_on = Date(null=True, default=None)
    # Chosen before the hand-over (None: the policy's list for the model), so that the
    # convention names what will be handed over; a hand-over of other items issues a new one.
    accessories_planned = JSON(null=True, default=None)
    accessories_given = JSON(default=[])
    accessories_returned = JSON(default=[])
    return_condition = Varchar(length=1, null=True, default=None)
    damage_notes = Text(default="")
    incident_on = Date(null=True, default=None)  # loss or theft
    circumstances = Text(default="")
    police_report_ref = Varchar(length=60, default="")  # récépissé de dépôt de plainte
    police_report_on = Date(null=True, default=None)
    created_at = Timestamptz()
    handed_over_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)  # set by every terminal transition


class LoanEvent(Table, tablename="loan_event"):
    """One transition or change of a loan, append-only, with an actor snapshot."""

    id: Serial
    loan = ForeignKey(references=Loan, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz()
    actor_id = Integer(null=True, default=None)
    actor_name = Varchar(length=200)
    action = Varchar(length=40)
    changes = JSON(default={})
    establishment_id = Integer(null=True, default=None)


class Document(Table, tablename="document"):
    """What the database knows of a stored document (agreement, sealed agreement, receipt,
    signature image, paper scan, damage photo): its kind, the SHA-256 of its bytes in the
    storage (`loans.storage`), and where it belongs, which decides who may read it.

    Bytes are content-addressed and never overwritten: a new version of an agreement is a new
    row with a higher `version`, the old one stays readable."""

    id: Serial
    kind = Varchar(length=20)  # see loans.documents.KINDS
    sha256 = Varchar(length=64, index=True)
    size = Integer()
    media_type = Varchar(length=100)
    loan = ForeignKey(references=Loan, on_delete=OnDelete.restrict, null=True, index=True)
    version = Integer(default=1)
    # Random, for a public verification page: never the row id, which can be enumerated.
    public_id = Varchar(length=32, unique=True)
    # Who may read it: the scope of this region and establishment (a copy of the loan's).
    region = ForeignKey(references=Region, on_delete=OnDelete.restrict, index=True)
    establishment = ForeignKey(
        references=Establishment, on_delete=OnDelete.restrict, null=True, index=True
    )
    created_at = Timestamptz()
    created_by_id = Integer(null=True, default=None)
    created_by_name = Varchar(length=200)


class DocumentContent(Table, tablename="document_content"):
    """The bytes of documents when the storage is the database (`DatabaseStorage`): several
    hosts then share documents without a shared disk. One row per distinct content."""

    id: Serial
    sha256 = Varchar(length=64, unique=True)
    content = Bytea()


class Agreement(Table, tablename="agreement"):
    """One version of a loan's convention. A new version is issued each time what it says
    changes (device, accessories, due date, signers, terms); the previous one is then
    superseded and its signatures no longer count. `(loan, version)` is unique.

    `sha256` is the issued PDF's (a `Document` of kind agreement); NULL for a convention
    printed outside the platform: loans signed on paper before agreements were issued here,
    and paper signatures recorded at the desk before any PDF was issued.
    `required` is the list of signers asked when it was issued ({role, guardian_id, name,
    label}); `completed_at` is set in the transaction of the signature that completes it."""

    id: Serial
    loan = ForeignKey(references=Loan, on_delete=OnDelete.restrict, index=True)
    version = Integer(default=1)
    terms_version = Integer(default=1)
    sha256 = Varchar(length=64, null=True, default=None)
    document = ForeignKey(references=Document, on_delete=OnDelete.restrict, null=True)
    content_key = Varchar(length=64, null=True, default=None)  # what it says, see agreements
    required = JSON(default=[])
    # What the hand-over must match, as issued: {"accessories": [...], "due_date": "AAAA-MM-JJ"}
    # (see loans.agreement_currency); NULL for a convention printed outside the platform.
    stated = JSON(null=True, default=None)
    # Random, for the QR verification URL ({public_url}/verify/{public_id}).
    public_id = Varchar(length=32, unique=True)
    issued_at = Timestamptz()
    issued_by_name = Varchar(length=200, default="")
    superseded_at = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)


class Signature(Table, tablename="signature"):
    """One party's signature of one agreement version: who, how, when, from where, and the
    SHA-256 of the exact PDF signed. The drawn image (PNG) or the paper scan is a document in
    the storage, known by its hash. `without_scan`: a paper signature recorded by staff with
    no scan (the paper dates of loans signed before this table existed, and the desk's
    « signé sur papier »). One signature per (agreement, role, guardian)."""

    id: Serial
    agreement = ForeignKey(references=Agreement, on_delete=OnDelete.restrict, index=True)
    role = Varchar(length=20)  # student, guardian, head_of_school
    guardian = ForeignKey(references=Guardian, on_delete=OnDelete.restrict, null=True)
    signer_name = Varchar(length=200)
    method = Varchar(length=10)  # in_person, remote, paper
    signed_at = Timestamptz()
    client_address = Varchar(length=64, default="")
    user_agent = Varchar(length=300, default="")
    document_sha256 = Varchar(length=64, null=True, default=None)
    image_sha256 = Varchar(length=64, null=True, default=None)
    scan_sha256 = Varchar(length=64, null=True, default=None)
    without_scan = Boolean(default=False)
    recorded_by_id = Integer(null=True, default=None)
    recorded_by_name = Varchar(length=200, default="")
    # Signed inside an ENT session (the student or guardian space): the signer's ENT key and
    # how the session was opened (cas, oidc). NULL and "" for every other signature.
    ent_key = Varchar(length=100, null=True, default=None)
    auth_method = Varchar(length=10, default="")


class SigningLink(Table, tablename="signing_link"):
    """A link sent to a remote signer: only the SHA-256 of its token is kept (the token is in
    the mail, never in the database), it expires and works once."""

    id: Serial
    agreement = ForeignKey(references=Agreement, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=20)
    guardian = ForeignKey(references=Guardian, on_delete=OnDelete.cascade, null=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    created_by_name = Varchar(length=200, default="")
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class LoanPhoto(Table, tablename="loan_photo"):
    """A photo of damage taken at return, kept as a `Document` of kind photo.

    `file_name` names the file of a photo taken before documents existed (under the old
    photo directory, `var/photos`); it is empty for every photo with a `document`."""

    id: Serial
    loan = ForeignKey(references=Loan, on_delete=OnDelete.cascade, index=True)
    file_name = Varchar(length=120)
    content_type = Varchar(length=40)
    taken_at = Timestamptz()
    document = ForeignKey(references=Document, on_delete=OnDelete.restrict, null=True)


class ReminderLog(Table, tablename="reminder_log"):
    """One rolled-up reminder sent to a student (and guardians), to never send it twice a day."""

    id: Serial
    student = ForeignKey(references=Student, on_delete=OnDelete.cascade, index=True)
    sent_at = Timestamptz()
    loan_ids = JSON(default=[])
    recipients = Integer(default=1)


class TermsVersion(Table, tablename="terms_version"):
    """One version of a region's loan terms, never changed once written (agreements print
    its number). Version 1 is always the default terms: it is stored, as they were then, at
    the first edit or the first agreement; a region with no row reads them from the code."""

    id: Serial
    # restrict: agreements name a version; a region with terms is not deleted by accident.
    region = ForeignKey(references=Region, on_delete=OnDelete.restrict, null=False)
    version = Integer()  # 1, 2, … unique per region (see the module docstring)
    blocks = JSON()  # the `loans.terms` blocks, as msgspec encodes them
    author_id = Integer(null=True, default=None)  # None: the default terms
    author_name = Varchar(length=200)
    created_at = Timestamptz()


class EntLinkProposal(Table, tablename="ent_link_proposal"):
    """A student's ENT account that matched a student record by school, names and birth date
    but not by ENT key: staff of the school confirm it (the student's `ent_id` is then set)
    or reject it. Never linked without them. `state`: pending, confirmed, rejected."""

    id: Serial
    student = ForeignKey(references=Student, on_delete=OnDelete.cascade, index=True)
    region = ForeignKey(references=Region, on_delete=OnDelete.restrict)
    establishment = ForeignKey(references=Establishment, on_delete=OnDelete.restrict, index=True)
    ent_id = Varchar(length=100)
    auth_method = Varchar(length=10)  # how the session that proposed it was opened
    state = Varchar(length=10, default="pending")
    created_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)
    decided_by_id = Integer(null=True, default=None)
    decided_by_name = Varchar(length=200, default="")


class LossDeclaration(Table, tablename="loss_declaration"):
    """A loss or a theft declared by the student or a guardian from their space: a request
    the school confirms (the loan then ends as lost or stolen, through the desk's own
    use-case) or rejects. `state`: pending, confirmed, rejected."""

    id: Serial
    loan = ForeignKey(references=Loan, on_delete=OnDelete.restrict, index=True)
    region = ForeignKey(references=Region, on_delete=OnDelete.restrict)
    establishment = ForeignKey(references=Establishment, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=6)  # loss, theft
    incident_on = Date()
    circumstances = Text(default="")
    police_report_ref = Varchar(length=60, default="")
    police_report_on = Date(null=True, default=None)
    declared_by_role = Varchar(length=10)  # student, guardian
    declared_by_name = Varchar(length=200)
    declared_by_ent_id = Varchar(length=100)
    auth_method = Varchar(length=10)
    state = Varchar(length=10, default="pending")
    created_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)
    decided_by_id = Integer(null=True, default=None)
    decided_by_name = Varchar(length=200, default="")
    decision_note = Text(default="")


class Delivery(Table, tablename="delivery"):
    """A delivery received (arrivage): devices of one model for one school, each registered by
    scanning a blank label then the device's serial. Actors are snapshots, as in history."""

    id: Serial
    establishment = ForeignKey(references=Establishment, on_delete=OnDelete.restrict, index=True)
    model = ForeignKey(references=DeviceModel, on_delete=OnDelete.restrict)
    opened_at = Timestamptz()
    opened_by_id = Integer(null=True, default=None)
    opened_by_name = Varchar(length=200)


class DeliveryItem(Table, tablename="delivery_item"):
    """One device received in a delivery: the label and serial scanned, the asset they made.

    Undoing a receipt deletes the asset (it never existed: a wrong serial, a wrong label) and
    blanks the label again; this row stays, with who undid it and when, as the record of both
    (the asset's own history goes with it). `tag` and `serial` are copies for that reason."""

    id: Serial
    delivery = ForeignKey(references=Delivery, on_delete=OnDelete.cascade, index=True)
    asset = ForeignKey(references=Asset, on_delete=OnDelete.set_null, null=True)
    code = Varchar(length=16)
    tag = Varchar(length=40)
    serial = Varchar(length=80)
    received_at = Timestamptz()
    received_by_id = Integer(null=True, default=None)
    received_by_name = Varchar(length=200)
    undone_at = Timestamptz(null=True, default=None)
    undone_by_id = Integer(null=True, default=None)
    undone_by_name = Varchar(length=200, default="")


class LegalHold(Table, tablename="legal_hold"):
    """A legal hold on a student's data (a police report on a stolen device, a dispute): while
    one is not lifted, neither retention nor erasure removes anything of that student."""

    id: Serial
    student = ForeignKey(references=Student, on_delete=OnDelete.restrict, index=True)
    region = ForeignKey(references=Region, on_delete=OnDelete.restrict)
    reason = Text()
    placed_on = Date()  # the date of the fact that calls for it (plainte, litige)
    placed_at = Timestamptz()
    placed_by_id = Integer(null=True, default=None)
    placed_by_name = Varchar(length=200)
    lifted_at = Timestamptz(null=True, default=None)
    lifted_by_id = Integer(null=True, default=None)
    lifted_by_name = Varchar(length=200, default="")


class RetentionRun(Table, tablename="retention_run"):
    """One run of `ordipret retention` for real (a dry run writes nothing): when, with which
    clock, and counts per region and kind. Never a name nor an identifier of a person."""

    id: Serial
    started_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    now = Timestamptz()  # the clock the deadlines were computed with
    actor_name = Varchar(length=200)
    counts = JSON(default={})  # {"<region code>": {"<kind>": n}}


class EvidenceLog(Table, tablename="evidence_log"):
    """Append-only: the SHA-256 of each piece of a loan's evidence (sealed agreement,
    agreement, receipt) deleted past its retention, so that a copy shown later can still be
    matched. Never anonymised, never updated; holds no personal data (ids, hashes, dates)."""

    id: Serial
    region = ForeignKey(references=Region, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=20)  # the Document kind, or "agreement" for a convention row
    sha256 = Varchar(length=64, index=True)
    agreement_id = Integer(null=True, default=None)
    loan_id = Integer()
    sealed_at = Timestamptz(null=True, default=None)  # the agreement's completion
    deleted_at = Timestamptz()
    reason = Varchar(length=20)  # retention, erasure
    run_id = Integer(null=True, default=None)


class CorrectionRequest(Table, tablename="correction_request"):
    """A correction (RGPD art. 16) the student or a guardian asks from their space: one field
    of the student's record or of a guardian's, the value they ask for and why. Staff of the
    school apply it (through the student or guardian edit, whose change goes to the history)
    or refuse it with a reason the requester reads. `state`: pending, applied, refused.

    `requested_value` is personal data, like the record it corrects: it goes with the student
    (cascade) and never to logs."""

    id: Serial
    student = ForeignKey(references=Student, on_delete=OnDelete.cascade, index=True)
    # The guardian row whose field is to be corrected; NULL: the student's own field.
    guardian = ForeignKey(references=Guardian, on_delete=OnDelete.cascade, null=True)
    region = ForeignKey(references=Region, on_delete=OnDelete.restrict)
    establishment = ForeignKey(references=Establishment, on_delete=OnDelete.restrict, index=True)
    field = Varchar(length=20)  # see loans.corrections.FIELDS
    requested_value = Varchar(length=254)
    explanation = Text(default="")
    requested_by_role = Varchar(length=10)  # student, guardian
    requested_by_name = Varchar(length=200)
    requested_by_ent_id = Varchar(length=100)
    auth_method = Varchar(length=10)
    state = Varchar(length=10, default="pending")
    created_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)
    decided_by_id = Integer(null=True, default=None)
    decided_by_name = Varchar(length=200, default="")
    decision_note = Text(default="")


class StudentAccess(Table, tablename="student_access"):
    """One read of a student's personal data by staff (`loans.access_log`): who (a snapshot:
    the account lives in `api` and the entry outlives it), when, which student, what was read
    and why (the route that served it). Append-only; the region scopes who may audit it. The
    indexes of the audit's filters (region, student, account, newest first) are in the
    migration. The student's own reads (their ENT space) are not logged."""

    id: Serial
    at = Timestamptz()
    account_id = Integer()
    account_name = Varchar(length=200)
    account_role = Varchar(length=20)
    region = ForeignKey(references=Region, on_delete=OnDelete.cascade, index=False)
    student = ForeignKey(references=Student, on_delete=OnDelete.cascade, index=False)
    kind = Varchar(length=20)  # see loans.access_log.KINDS
    why = Varchar(length=200)  # the route template, e.g. /eleves/{student_id}
    detail = Varchar(length=500, default="")  # a list's filter (names of personal ones only)
