"""Streaming: the asset list's CSV export (GET /api/v1/assets/export.csv) goes out batch by
batch as it is read, and the server's memory stays flat whatever the number of devices. The
app is driven as the ASGI server drives it (see test_report_export_streaming)."""

from __future__ import annotations

from inventory.asset_export import BATCH, EXPORT_COLUMNS
from inventory.assets import AssetFilters, asset_batches
from inventory.scope import Scope
from tests.api.test_report_export_streaming import get, insert_devices, peak_of

DEVICES = 20_000


async def test_the_asset_export_is_sent_in_chunks_as_it_is_read_with_flat_memory(
    app, world, database_url
):
    await insert_devices(database_url, world, DEVICES)
    token = world.tokens["manager_24"]
    path = "/api/v1/assets/export.csv"
    await get(app, path, "", token)  # warm: handlers and queries compiled
    body, streaming_peak = await peak_of(lambda: get(app, path, "", token))
    assert body.status == 200
    assert body.lines == DEVICES + 1  # the header and every device
    assert b"S019999;SN000019999;" in body.tail  # the last device, in tag order
    assert body.chunks >= DEVICES // BATCH  # one chunk per batch read, not one block

    async def read_all() -> list:
        return [rows async for rows in asset_batches(Scope.platform(), AssetFilters())]

    everything, reading_peak = await peak_of(read_all)
    assert sum(len(rows) for rows in everything) == DEVICES
    # Holding every full row takes megabytes; the whole export a fraction of it.
    assert streaming_peak < reading_peak / 4, (streaming_peak, reading_peak)


async def test_the_export_reads_one_batch_after_another_never_the_whole_list(world, database_url):
    await insert_devices(database_url, world, 5 * 100 + 7)
    sizes = [
        len(rows)
        async for rows in asset_batches(
            Scope.platform(), AssetFilters(), "-acquired_on", EXPORT_COLUMNS, batch=100
        )
    ]
    assert sizes == [100] * 5 + [7]
