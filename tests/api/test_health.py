from tests.api.problems import assert_problem


async def test_health_answers_ok_without_authentication(client):
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_the_openapi_schema_is_served_without_authentication(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "ordipret"
    assert "/api/v1/assets" in schema["paths"]


async def test_an_unknown_api_address_is_a_not_found_problem(as_):
    assert_problem(await as_("admin").get("/api/v1/nothing-here"), 404)


async def test_a_method_the_address_does_not_accept_is_a_405_problem(as_):
    assert_problem(await as_("admin").delete("/api/v1/regions"), 405)
