"""The API keeps its OpenAPI contract (issue 15 §1): schemathesis runs every phase (examples, coverage, fuzzing,
stateful) against the app with a planner, a field-staff and a municipality token, and finds no failure.

Every documented status code is the one returned, responses match their documented schemas and content
types, a 405 lists the path's methods in Allow, a schema-violating request is refused, and a schema-valid
one is accepted or refused with a 422 naming the field (`refusal_names_the_field`). Bounded by the number
of examples per operation and a fixed seed (no time budget: with one, schemathesis repeats fuzzing and
stateful phases until it runs out), so a run is reproducible; on SQLite, and on PostgreSQL with
TEST_POSTGRES_URL.
"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

MAX_EXAMPLES = 3
SEED = 1
# positive_data_acceptance: schemathesis's default statuses, plus 422. The contract accepts a schema-valid
# request or refuses it with a 422 naming the field: rules a JSON Schema cannot state (a commune of the
# caller's territory, a position near its town hall, a record the planner accepts, a plan id that exists)
# answer 422, and `refusal_names_the_field` below fails any 422 that does not name its field.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]


@schemathesis.check
def refusal_names_the_field(ctx, response, case):
    """A 422 names each refused field (`detail` is a list of items with a non-empty `field`)."""
    if response.status_code != 422:
        return None
    try:
        items = response.json().get("detail")
    except (ValueError, AttributeError):
        items = None
    if not isinstance(items, list) or not items or \
            not all(isinstance(i, dict) and isinstance(i.get("field"), str) and i["field"] for i in items):
        raise AssertionError(f"422 that does not name the refused field: {response.text[:300]}")
    return None


def contract_failures(app, token: str, *, max_examples: int = MAX_EXAMPLES, seed: int = SEED) -> tuple[list, list]:
    """(unique failures as readable lines, engine errors) of a full schemathesis run with this bearer token."""
    config = SchemathesisConfig.from_dict({
        "seed": seed,
        "workers": 1,
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {"max-examples": max_examples},
        "checks": {"enabled": True, "positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        # Health checks judge the generator (too slow, too many filtered cases), not the API: the run is
        # bounded by max-examples, and a slow strategy only makes it take longer.
        "suppress-health-check": ["all"],
    })
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    failures: dict[tuple, str] = {}
    errors: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, (events.ScenarioFinished, events.FuzzScenarioFinished)):
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    if node.failure_info is None:
                        continue
                    f = node.failure_info.failure
                    key = (f.operation or "", type(f).__name__, f.title, f.message)
                    if key not in failures:
                        sample = node.failure_info.code_sample or ""
                        failures[key] = sample.splitlines()[-1] if sample else ""
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            info = getattr(event, "info", None)
            errors.append(info.format() if info is not None else repr(event))
    lines = [f"[{kind}] {op}: {title}\n  {message.strip()}\n  {sample}"
             for (op, kind, title, message), sample in sorted(failures.items())]
    return lines, errors


@pytest.mark.parametrize("role", ["planner", "field", "municipality"])
def test_api_keeps_its_contract(app, client, world, role):
    failures, errors = contract_failures(app, world.tokens[role])
    assert not errors, "schemathesis could not run:\n" + "\n".join(errors)
    assert not failures, f"{len(failures)} contract failure(s) with a {role} token:\n" + "\n".join(failures)


def test_an_unknown_empty_key_is_named(client):
    """Found by the contract run: a body key "" was refused with an empty field name."""
    r = client.post("/auth/token", json={"email": "a@example.org", "password": "x", "": 1})
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["detail"]] == ['""'], r.text


def test_the_status_tables_name_existing_routes(app):
    """A route renamed or removed leaves no stale line in api/service/openapi.py's tables (a stale line would
    silently document nothing)."""
    from api.service import openapi
    from api.service.app import route_table

    routes = {(m, r.path_format) for r in route_table(app) for m in r.methods}
    for table in ("NOT_FOUND", "CONFLICTS", "THROTTLED", "RESPONSES"):
        stale = set(getattr(openapi, table)) - routes
        assert not stale, f"{table}: {sorted(stale)}"
