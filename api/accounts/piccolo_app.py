import os

from piccolo.conf.apps import AppConfig

from api.accounts.tables import (
    Account,
    AccountEstablishment,
    AccountEvent,
    ApiToken,
    EntConnector,
    EntStaffLink,
    SignInRecord,
)

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        Account,
        AccountEstablishment,
        ApiToken,
        EntConnector,
        EntStaffLink,
        AccountEvent,
        SignInRecord,
    ],
    migration_dependencies=["inventory.piccolo_app"],
    commands=[],
)
