import os

from piccolo.conf.apps import AppConfig

from loans.tables import (
    Agreement,
    Campaign,
    Document,
    DocumentContent,
    EntLinkProposal,
    Guardian,
    Loan,
    LoanEvent,
    LoanPhoto,
    LossDeclaration,
    PolicyEvent,
    RegionPolicy,
    ReminderLog,
    Signature,
    SigningLink,
    Student,
    StudentEvent,
    TermsVersion,
)

APP_CONFIG = AppConfig(
    app_name="loans",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        Student,
        Guardian,
        RegionPolicy,
        PolicyEvent,
        Campaign,
        Loan,
        LoanEvent,
        Document,
        DocumentContent,
        LoanPhoto,
        Agreement,
        Signature,
        SigningLink,
        ReminderLog,
        TermsVersion,
        EntLinkProposal,
        LossDeclaration,
        StudentEvent,
    ],
    migration_dependencies=["inventory.piccolo_app"],
    commands=[],
)
