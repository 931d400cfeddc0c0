"""Label codes: the opaque short codes QR labels carry.

A code is bound to at most one asset and an asset carries at most one live code. Codes can be
printed ahead on blank sheets (no asset yet) and bound at intake. A replaced label is retired:
its row stays, unbound, so that an old sticker is recognised and never reused.
"""

from piccolo.columns import ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from inventory.tables import Asset, Region


class LabelCode(Table, tablename="label_code"):
    id: Serial  # the primary key Piccolo adds to every table, named for the type checker
    code = Varchar(length=16, unique=True, index=True)
    region = ForeignKey(references=Region, on_delete=OnDelete.restrict, index=True)
    asset = ForeignKey(references=Asset, on_delete=OnDelete.restrict, null=True, unique=True)
    created_at = Timestamptz()
    bound_at = Timestamptz(null=True, default=None)
    retired_at = Timestamptz(null=True, default=None)
