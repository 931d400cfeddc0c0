import os

from piccolo.conf.apps import AppConfig

from api.jobs.tables import Job

APP_CONFIG = AppConfig(
    app_name="jobs",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Job],
    migration_dependencies=["api.accounts.piccolo_app"],
    commands=[],
)
