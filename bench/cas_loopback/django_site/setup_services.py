"""Run once after `migrate`: the service patterns the tests use. Ours releases every
attribute and gets single logout, POSTed to SLO_CALLBACK (the app served on loopback)."""

import os
import sys

import django

django.setup()

from cas_server.models import ReplaceAttributName, ServicePattern  # noqa: E402

ours = ServicePattern.objects.create(
    pos=1,
    name="ordipret",
    pattern=r"^http://testserver/ent/.*$",
    single_log_out=True,
    single_log_out_callback=os.environ.get("SLO_CALLBACK", ""),
)
ReplaceAttributName.objects.create(name="*", service_pattern=ours)
bench = ServicePattern.objects.create(
    pos=2, name="bench", pattern=r"^http://127\.0\.0\.1:\d+/ent/.*$", single_log_out=False
)
ReplaceAttributName.objects.create(name="*", service_pattern=bench)
ServicePattern.objects.create(pos=3, name="other", pattern=r"^http://other\.example/.*$")
sys.stdout.write("services ready\n")
