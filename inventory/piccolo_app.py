import os

from piccolo.conf.apps import AppConfig

from inventory.tables import (
    Asset,
    AssetEvent,
    DeviceModel,
    Establishment,
    Location,
    ReferenceEvent,
    Region,
    Stocktake,
    StocktakeExpected,
    StocktakeScan,
)

APP_CONFIG = AppConfig(
    app_name="inventory",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        Region,
        Establishment,
        DeviceModel,
        Location,
        Asset,
        AssetEvent,
        Stocktake,
        StocktakeExpected,
        StocktakeScan,
        ReferenceEvent,
    ],
    migration_dependencies=[],
    commands=[],
)
