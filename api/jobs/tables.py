"""The job queue's one table: documents too long to draw inside a request (see api.jobs)."""

from piccolo.columns import JSON, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from api.accounts.tables import Account


class Job(Table, tablename="job"):
    """One document to prepare. `owner` is the only account that may see it; its rights are
    read again when the job runs (a deactivated account's job fails). `attempt` is the lease:
    each claim increments it, and a worker writes only while its own attempt is current, so a
    worker thought dead cannot overwrite the run that replaced it."""

    kind = Varchar(length=40)
    arguments = JSON(default="{}")
    owner = ForeignKey(references=Account, on_delete=OnDelete.cascade, index=True)
    state = Varchar(length=10, default="queued", index=True)  # queued, running, done, failed
    progress_done = Integer(default=0)
    progress_total = Integer(default=0)
    attempt = Integer(default=0)
    result_sha256 = Varchar(length=64, default="")  # in the app's storage (api.infra.storage)
    file_name = Varchar(length=200, default="")
    media_type = Varchar(length=100, default="")
    error = Text(default="")  # French, shown to the owner
    created_at = Timestamptz()
    started_at = Timestamptz(null=True, default=None)
    heartbeat_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz()
