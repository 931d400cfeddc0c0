import os

from piccolo.conf.apps import AppConfig

from labels.tables import LabelCode

APP_CONFIG = AppConfig(
    app_name="labels",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[LabelCode],
    migration_dependencies=["inventory.piccolo_app"],
    commands=[],
)
