"""The asset export reads by keyset batches: every asset once, in the asked order, whatever
the batch size, equal values and empty dates included."""

from __future__ import annotations

import datetime as dt

import pytest

from inventory.asset_export import csv_lines
from inventory.assets import AssetFilters, iter_assets
from tests.factories import PLATFORM, UAI_A, make_asset

D1, D2 = dt.date(2024, 9, 1), dt.date(2025, 9, 1)
# tag -> acquired_on, created in this order (ids ascending)
ASSETS = {"K5": D2, "K1": None, "K4": D1, "K2": D2, "K7": None, "K3": D1, "K6": D2}


ORDERS = pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("tag", ["K1", "K2", "K3", "K4", "K5", "K6", "K7"]),
        ("-tag", ["K7", "K6", "K5", "K4", "K3", "K2", "K1"]),
        # Equal dates by creation (id); no date last, in either direction.
        ("acquired_on", ["K4", "K3", "K5", "K2", "K6", "K1", "K7"]),
        ("-acquired_on", ["K5", "K2", "K6", "K4", "K3", "K1", "K7"]),
    ],
)


@ORDERS
@pytest.mark.parametrize("batch", [1, 2, 3, 100])
async def test_every_asset_comes_once_in_order_whatever_the_batch(world, sort, expected, batch):
    for tag, acquired in ASSETS.items():
        await make_asset(tag, UAI_A, world.model_id, acquired_on=acquired)
    tags = [a.tag async for a in iter_assets(PLATFORM, AssetFilters(), sort, batch=batch)]
    assert tags == expected


@ORDERS
@pytest.mark.parametrize("batch", [1, 3, 100])
async def test_the_csv_export_writes_every_asset_once_in_order_whatever_the_batch(
    world, sort, expected, batch
):
    for tag, acquired in ASSETS.items():
        await make_asset(tag, UAI_A, world.model_id, acquired_on=acquired)
    chunks = [chunk async for chunk in csv_lines(PLATFORM, AssetFilters(), sort, batch=batch)]
    lines = "".join(chunks).splitlines()[1:]
    assert [line.split(";")[0] for line in lines] == expected
    # The header, then one chunk per batch read: never more than a batch in memory.
    assert all(1 <= chunk.count("\r\n") <= batch for chunk in chunks[1:])
