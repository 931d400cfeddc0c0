"""ENT sign-ins in the metrics: counted by protocol and outcome, the identity in no label."""

from __future__ import annotations

from tests.api.ent.conftest import REGION, cas_sign_in
from tests.api.test_metrics import label_values, sample, scrape  # noqa: F401 (a fixture)


async def test_cas_sign_ins_are_counted_by_outcome_without_the_identity(
    scrape,  # noqa: F811
    client,
    cas_connector,
):
    before = await scrape()
    assert (await cas_sign_in(client, "eleve")).status_code == 303
    refused = await client.get(f"/ent/{REGION}/cas", params={"ticket": "ST-1-forged"})
    assert refused.status_code == 403
    after = await scrape()

    def counted(outcome: str) -> float:
        name = "ordipret_sign_ins_total"
        return sample(after, name, method="ent_cas", outcome=outcome) - sample(
            before, name, method="ent_cas", outcome=outcome
        )

    assert (counted("success"), counted("failure")) == (1, 1)
    secrets = ("1234567", "Martin", "Léa", "ST-1-forged")  # the CAS user's key, name, a ticket
    assert not [v for v in label_values(after) if any(secret in v for secret in secrets)]
