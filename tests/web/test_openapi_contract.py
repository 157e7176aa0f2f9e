"""The OpenAPI document is true: schemathesis sends a live server requests the document
allows (and, negatively, ones it forbids), without a key and with one, and every answer
must be documented (its status, content type and body) and none may be a server error.

Hypothesis drives schemathesis's strategies directly: schemathesis's own pytest
integration sets a private attribute pytest 9 no longer has (`Function._nodeid`).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.conftest import Live

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 25
# Each example may decode audio and run a speech model: a few only.
FEW = {"/v1/audio/transcriptions": 5, "/v1/audio/translations": 3}


@pytest.fixture(scope="module")
def operations(live: Live) -> list[schemathesis.APIOperation]:
    config = schemathesis.Config.from_dict({"request-timeout": 60})
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json", config=config)
    return [result.ok() for result in schema.get_all_operations()]


def _failures(
    operation: schemathesis.APIOperation, mode: GenerationMode, headers: dict[str, str]
) -> Iterator[str]:
    """What went wrong on `operation`: one line per failing example, if any."""
    found: list[str] = []

    @settings(
        max_examples=FEW.get(operation.path, EXAMPLES),
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: every failure is kept
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode, headers=headers))
    def send(case: schemathesis.Case) -> None:
        try:
            case.call_and_validate(checks=CHECKS)
        except AssertionError as exc:
            found.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}")

    try:
        send()
    except Unsatisfiable:  # nothing in the operation can be made invalid (negative mode)
        assert mode is GenerationMode.NEGATIVE, operation.path
    yield from found


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_without_a_key_every_answer_is_documented(
    operations: list[schemathesis.APIOperation], mode: GenerationMode
) -> None:
    failures = [f for op in operations for f in _failures(op, mode, {})]
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_with_a_key_every_answer_is_documented(
    operations: list[schemathesis.APIOperation], mode: GenerationMode, live: Live
) -> None:
    headers = {"Authorization": f"Bearer {live.keys['Acme Captions']}"}
    failures = [f for op in operations for f in _failures(op, mode, headers)]
    assert not failures, "\n\n".join(failures)


def test_the_document_names_no_validation_status_the_server_never_sends(live: Live) -> None:
    document = httpx.get(f"{live.url}/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "422" not in operation["responses"], (method, path)


def test_each_api_documents_a_bad_key_as_its_clients_expect(live: Live) -> None:
    paths = httpx.get(f"{live.url}/openapi.json").json()["paths"]
    speech = paths["/v1/audio/transcriptions"]["post"]["responses"]
    assert speech["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OpenAIError"
    }
    translate = paths["/translate"]["post"]["responses"]
    assert "401" not in translate  # LibreTranslate's: no key 400, a wrong key 403
    for status in ("400", "403"):
        assert translate[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/LibreTranslateError"
        }
