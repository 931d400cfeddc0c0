from tests.factories import UAI_A, UAI_B, make_asset


async def test_it_staff_reads_an_asset_of_their_school(as_, world):
    await make_asset("R24-0001", UAI_A, world.model_id)
    response = await as_("it_a").get("/api/v1/assets/R24-0001")
    assert response.status_code == 200
    body = response.json()
    assert body["tag"] == "R24-0001"
    assert body["establishment"]["uai"] == UAI_A
    assert body["model"]["manufacturer"] == "Lenovo"


async def test_it_staff_of_another_school_gets_not_found(as_, world):
    await make_asset("R24-0002", UAI_B, world.model_id)
    response = await as_("it_a").get("/api/v1/assets/R24-0002")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
