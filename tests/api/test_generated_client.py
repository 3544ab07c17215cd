"""A client generated from /openapi.json by openapi-python-client works
against the real server: it plans a channel and a post, lists them, and gets
typed problems (not exceptions, not None) for invalid input and a stale ETag.
This is the promise the API document makes to every team's own tooling."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.served import Seeded, Served, migrate, seed, serve

PACKAGE = "giveask_generated_client"


def _generator() -> list[str]:
    script = Path(sys.executable).with_name("openapi-python-client")
    if script.exists():
        return [str(script)]
    found = shutil.which("openapi-python-client")
    if found is None:
        pytest.skip("openapi-python-client is not installed (it is in the dev extra: "
                    "pip install -e '.[dev]')")
    return [found]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Seeded]]:
    folder = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{folder / 'client.db'}"
    migrate(url)
    world = seed(url)
    with serve(url, folder) as server:
        yield server, world


@pytest.fixture(scope="module")
def generated(served: tuple[Served, Seeded],
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    server, _ = served
    generator = _generator()
    folder = tmp_path_factory.mktemp("client")
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(httpx.get(server.url + "/openapi.json", timeout=10).json()))
    config = folder / "config.yaml"
    # The import takes a CSV body as it comes; a generated client sends it as bytes.
    config.write_text("post_hooks: []\ncontent_type_overrides:\n"
                      "  text/csv: application/octet-stream\n")
    result = subprocess.run(
        [*generator, "generate", "--path", str(spec), "--meta", "none",
         "--output-path", str(folder / PACKAGE), "--config", str(config)],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    # The generator names what it had to leave out; nothing may be missing.
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _part(package: ModuleType, dotted: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{dotted}")


def test_generated_client_plans_lists_and_reads_problems_as_objects(
    served: tuple[Served, Seeded], generated: ModuleType,
) -> None:
    server, world = served
    models = _part(generated, "models")
    client = generated.AuthenticatedClient(base_url=server.url, token=world.admin_token)

    channel = _part(generated, "api.channels.create_channel").sync(
        workspace_id=world.workspace_id, client=client,
        body=models.ChannelCreate(name="Bluesky – Café", platform="bluesky"))
    assert isinstance(channel, models.ChannelPublic)
    assert channel.name == "Bluesky – Café"

    create_post = _part(generated, "api.posts.create_post")
    post = create_post.sync(
        workspace_id=world.workspace_id, client=client,
        body=models.PostCreate(channel_id=channel.id,
                               scheduled_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
                               kind=models.PostCreateKind.GIVE, text="How we roast, step by step"))
    assert isinstance(post, models.PostPublic)
    assert post.status == models.PostPublicStatus.DRAFT

    listed = _part(generated, "api.posts.list_posts").sync(
        workspace_id=world.workspace_id, client=client, channel_id=channel.id)
    assert isinstance(listed, models.PagePostPublic)
    assert [p.id for p in listed.items] == [post.id]
    assert listed.items[0].text == "How we roast, step by step"

    # A category of the other kind: a 422 problem naming the field.
    invalid = create_post.sync_detailed(
        workspace_id=world.workspace_id, client=client,
        body=models.PostCreate(channel_id=channel.id,
                               scheduled_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
                               kind=models.PostCreateKind.GIVE,
                               category=models.PostCreateCategoryType0.OFFER, text="20% off"))
    assert invalid.status_code == 422
    assert isinstance(invalid.parsed, models.Problem)
    assert invalid.parsed.status == 422
    assert "category" in [e.field for e in invalid.parsed.errors]

    # An edit against a version that is no longer current: a 412 problem.
    update_post = _part(generated, "api.posts.update_post")
    edited = update_post.sync(
        workspace_id=world.workspace_id, post_id=post.id, client=client,
        body=models.PostUpdate(text="How we roast, in five steps"), if_match=f'"{post.version}"')
    assert isinstance(edited, models.PostPublic)
    stale = update_post.sync_detailed(
        workspace_id=world.workspace_id, post_id=post.id, client=client,
        body=models.PostUpdate(text="An older idea"), if_match=f'"{post.version}"')
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Problem)
    assert stale.parsed.status == 412
    assert stale.parsed.title
    kept = _part(generated, "api.posts.get_post").sync(
        workspace_id=world.workspace_id, post_id=post.id, client=client)
    assert kept.text == "How we roast, in five steps"

    # Without a token: a 401 problem, not None.
    anonymous = generated.Client(base_url=server.url)
    refused = _part(generated, "api.posts.list_posts").sync_detailed(
        workspace_id=world.workspace_id, client=anonymous)
    assert refused.status_code == 401
    assert isinstance(refused.parsed, models.Problem)
