"""If-Match takes only an ETag this API could have given out: anything else is
a 400 naming the header, never a 500, and the post stays as it was."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.test_posts import new_post
from tests.conftest import World


@pytest.mark.parametrize("value", [
    '"\u00b2"',          # a superscript two: a digit to str.isdigit(), not to int()
    '"' + "9" * 5000 + '"',  # past int()'s limit on digits
    '"1234567890123456789"',  # more than a 64-bit version can hold
    "3; drop",
])
def test_if_match_that_is_not_an_etag_is_a_400_naming_the_header(
    client: TestClient, world: World, value: str,
) -> None:
    created = client.post(world.path("/posts"), json=new_post(world),
                          headers=world.auth("editor"))
    assert created.status_code == 201
    post = created.json()
    response = client.patch(world.path(f"/posts/{post['id']}"), json={"text": "Changed"},
                            headers={**world.auth("editor"),
                                     "If-Match": value.encode("latin-1")})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "header.If-Match"
    unchanged = client.get(world.path(f"/posts/{post['id']}"), headers=world.auth("viewer"))
    assert unchanged.json()["text"] == post["text"]


def test_a_long_but_possible_version_is_only_stale(client: TestClient, world: World) -> None:
    post = client.post(world.path("/posts"), json=new_post(world),
                       headers=world.auth("editor")).json()
    response = client.patch(world.path(f"/posts/{post['id']}"), json={"text": "Changed"},
                            headers={**world.auth("editor"), "If-Match": '"999999999999999999"'})
    assert response.status_code == 412
