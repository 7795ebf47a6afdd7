"""Whatever arrives, identify + normalise raise only NormaliseError (a 4xx), never a 500."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordertalk.integrations.base import Delivery, NormaliseError
from ordertalk.integrations.registry import SOURCES
from tests.integrations.fixtures import SHOPIFY_TOPICS, WOO_TOPICS, data, names

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "2026-01-10 09:12:44", "2026-01-10T13:00:00Z", "8", "paid", "cod"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
options_strategy = st.fixed_dictionaries(
    {
        "timezone": st.sampled_from(
            [None, "UTC", "Asia/Kolkata", "America/Sao_Paulo", "Nowhere/X"]
        ),
        "country": st.sampled_from([None, "IN", "br", "", "XYZ"]),
        "completed_means": st.sampled_from(["dispatched", "delivered", "shipped"]),
    }
)
topics = {
    "shopify": st.sampled_from([*SHOPIFY_TOPICS, "orders/updated", "weird"]),
    "woocommerce": st.sampled_from([*WOO_TOPICS, "order.deleted", "product.updated", "action.x"]),
}
FIXTURES = [(source, name) for source in sorted(SOURCES) for name in names(source)]


def headers_for(source: str, topic: str | None) -> dict[str, str]:
    if source == "shopify":
        return {
            "x-shopify-webhook-id": "wh-fuzz",
            "x-shopify-topic": topic or "orders/create",
            "x-shopify-triggered-at": "2026-01-08T15:00:05Z",
        }
    if source == "woocommerce":
        return {"x-wc-webhook-topic": topic or "order.updated"}
    return {}


def only_normalise_errors(source: str, delivery: Delivery, options: dict[str, Any]) -> None:
    """The contract the receiving route relies on."""
    adapter = SOURCES[source]
    assert isinstance(adapter.is_ping(delivery), bool)
    assert isinstance(adapter.verify(delivery, "fuzz-secret"), bool)
    reason = ""
    try:
        identified = adapter.identify(delivery)
        events = adapter.normalise(identified, options)
    except NormaliseError as exc:
        reason = str(exc)
    else:
        reason = "ok"
    assert reason, "a NormaliseError must say why"
    if reason != "ok":
        return
    assert len(identified.external_id) <= 200
    for event in events:
        assert event.event_time.utcoffset() is not None


@FAST
@given(
    source=st.sampled_from(sorted(SOURCES)),
    raw=st.binary(max_size=300),
    topic=st.sampled_from([None, *SHOPIFY_TOPICS, *WOO_TOPICS]),
    options=options_strategy,
)
def test_arbitrary_bytes_raise_only_normalise_errors(
    source: str, raw: bytes, topic: str | None, options: dict[str, Any]
) -> None:
    only_normalise_errors(source, Delivery(raw, headers_for(source, topic), {}), options)


@FAST
@given(
    source=st.sampled_from(sorted(SOURCES)),
    body=json_values,
    data_=st.data(),
    options=options_strategy,
)
def test_arbitrary_json_raises_only_normalise_errors(
    source: str, body: Any, data_: st.DataObject, options: dict[str, Any]
) -> None:
    topic = data_.draw(topics[source]) if source in topics else None
    raw = json.dumps(body).encode()
    only_normalise_errors(source, Delivery(raw, headers_for(source, topic), {}), options)


def mutate(value: Any, draw: st.DataObject, depth: int = 0) -> Any:
    """The value with one nested part replaced by arbitrary JSON, or deleted."""
    if depth < 6 and isinstance(value, dict) and value:
        key = draw.draw(st.sampled_from(sorted(value)))
        action = draw.draw(st.sampled_from(["descend", "replace", "delete"]))
        changed = dict(value)
        if action == "descend":
            changed[key] = mutate(value[key], draw, depth + 1)
        elif action == "replace":
            changed[key] = draw.draw(json_values)
        else:
            del changed[key]
        return changed
    if depth < 6 and isinstance(value, list) and value:
        index = draw.draw(st.integers(min_value=0, max_value=len(value) - 1))
        changed_list = list(value)
        changed_list[index] = mutate(value[index], draw, depth + 1)
        return changed_list
    return draw.draw(json_values)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fixture=st.sampled_from(FIXTURES), draw=st.data(), options=options_strategy)
def test_fixtures_with_one_part_broken_raise_only_normalise_errors(
    fixture: tuple[str, str], draw: st.DataObject, options: dict[str, Any]
) -> None:
    source, name = fixture
    body = mutate(data(source, name), draw)
    topic = None
    if source == "shopify":
        topic = next(t for t in SHOPIFY_TOPICS if name.startswith(t.replace("/", "_")))
    elif source == "woocommerce":
        topic = next(t for t in WOO_TOPICS if name.startswith(t.replace(".", "_")))
    raw = json.dumps(body).encode()
    only_normalise_errors(source, Delivery(raw, headers_for(source, topic), {}), options)
