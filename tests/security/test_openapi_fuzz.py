"""Every operation in /openapi.json, called with schemathesis-generated input as a real store:
no answer is a 5xx, and every answer is one the schema documents (status, headers, body).

The app runs in-process (schemathesis drives its lifespan) on a fresh database holding one
seeded store; path ids are sometimes that store's real ids, so the happy paths are exercised
too, not only 404s. Budget: EXAMPLES_PER_OPERATION cases per operation, positive and negative
mixed, derandomized (the same cases every run, so a failure reproduces): under a minute on two
cores. Raise it locally to hunt further.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import positive_data_acceptance

from ordertalk.app import create_app
from ordertalk.config import Settings
from tests.api_support import api_client
from tests.database import fresh_database
from tests.security.support import Tenant, seed_store

pytestmark = pytest.mark.database

EXAMPLES_PER_OPERATION = 40
# Ordertalk validates beyond what JSON Schema says (a phone number must be a number somewhere,
# a time zone must exist, a webhook URL must resolve to a public address, a cursor must be one
# it issued), so schema-valid input may rightly be refused: a 4xx with its reason. Everything
# else is checked: no 5xx, documented status codes, content types, headers and bodies, and
# schema-invalid input refused.
NOT_CHECKED = [positive_data_acceptance]


@dataclass
class Seeded:
    database_url: str
    media_dir: Path
    tenant: Tenant


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """A migrated database with one store that has an order, a chat, a contact and the rest."""
    folder = tmp_path_factory.mktemp("openapi-fuzz")
    url = fresh_database(folder)
    media_dir = folder / "media"

    async def seed() -> Tenant:
        async with api_client(url, worker=False, media_dir=media_dir) as client:
            return await seed_store(
                client,
                "fuzz",
                number="333000000000001",
                customer="919812345678",
                media_dir=media_dir,
            )

    return Seeded(url, media_dir, asyncio.run(seed()))


@pytest.fixture(scope="module")
def api_schema(seeded: Seeded) -> Iterator[schemathesis.BaseSchema]:
    """The app's own OpenAPI document, bound to the app for in-process calls."""
    app = create_app(
        Settings(database_url=seeded.database_url, worker=False, media_dir=seeded.media_dir)
    )
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
    finally:
        shutdown_lifespans()  # the app's engine disposed before the database is cleaned


def _operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every documented operation (building the app touches no database)."""
    document = create_app(Settings(database_url="sqlite+aiosqlite://", worker=False)).openapi()
    return [(method.upper(), path) for path, ops in document["paths"].items() for method in ops]


@pytest.mark.parametrize(("method", "path"), _operations())
def test_every_operation_answers_as_documented_and_never_with_a_5xx(
    api_schema: schemathesis.BaseSchema, seeded: Seeded, method: str, path: str
) -> None:
    operation = api_schema[path][method]
    names = {p.name for p in operation.path_parameters}
    real = {name: value for name, value in seeded.tenant.ids.items() if name in names}
    cases = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        cases.append(operation.as_strategy(generation_mode=mode))
        if real:
            # The seeded store's own rows, so the 200s are checked as well as the 404s.
            cases.append(operation.as_strategy(generation_mode=mode, path_parameters=real))

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(cases))
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=seeded.tenant.auth, excluded_checks=NOT_CHECKED)

    call()
