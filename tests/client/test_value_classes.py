"""The public value classes (`RetryPolicy`, `RateLimit`, `ErrorObject`): immutable, compared and hashed by their
fields, shown by their fields, changed copies checked as the constructor checks, pickled as they are."""

from __future__ import annotations

import copy
import pickle
import sys
from typing import Any

import pytest
from atono import ErrorObject, RateLimit, RetryPolicy
from atono._frozen import set_fields

VALUES = [
    RetryPolicy(max_retries=5, max_delay=20.0),
    RateLimit(100, 10.0, name="team"),
    ErrorObject(status="422", code="invalid", detail="title is required", raw={"status": "422"}),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_fields_cannot_be_set_or_deleted_and_the_error_says_how_to_change_them(value: Any) -> None:
    name = value._fields[0]
    with pytest.raises(AttributeError, match=r"immutable: make a changed copy with .*copy\.replace"):
        setattr(value, name, getattr(value, name))
    with pytest.raises(AttributeError, match="immutable"):
        delattr(value, name)
    with pytest.raises(AttributeError):
        value.not_a_field = 1


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_pickle_and_copy_keep_an_equal_value_with_the_same_hash(value: Any) -> None:
    for other in (pickle.loads(pickle.dumps(value)), copy.copy(value), copy.deepcopy(value)):
        assert other == value
        assert hash(other) == hash(value)


def test_equality_and_hash_follow_the_fields_and_the_class() -> None:
    assert RetryPolicy(max_retries=5) == RetryPolicy(max_retries=5)
    assert RetryPolicy(max_retries=5) != RetryPolicy(max_retries=6)
    assert len({RateLimit(10, 1.0), RateLimit(10, 1.0), RateLimit(10, 2.0)}) == 2
    assert ErrorObject(status="400") != ("400",)


def test_error_object_raw_is_kept_but_neither_compared_nor_shown() -> None:
    one = ErrorObject(status="400", raw={"status": "400", "x": 1})
    other = ErrorObject(status="400")
    assert one == other
    assert hash(one) == hash(other)
    assert other.raw == {}
    assert one.raw["x"] == 1
    assert repr(one) == "ErrorObject(status='400', code=None, title=None, detail=None, source=None, meta=None)"


def test_retry_policy_repr_shows_the_settings_not_the_clocks() -> None:
    shown = repr(RetryPolicy())
    assert shown.startswith("RetryPolicy(max_retries=2, initial_delay=0.5, max_delay=8.0, jitter=0.5,")
    assert "sleep" not in shown
    assert "clock" not in shown


def test_a_changed_copy_is_checked_as_the_constructor_checks() -> None:
    policy = RetryPolicy(max_retries=5)
    changed = policy.__replace__(max_delay=20.0)
    assert (changed.max_retries, changed.max_delay) == (5, 20.0)
    assert policy.max_delay == 8.0
    with pytest.raises(ValueError, match=r"RetryPolicy\.max_delay"):
        policy.__replace__(max_delay=-1)
    with pytest.raises(TypeError, match="RetryPolicy has no field max_wait"):
        policy.__replace__(max_wait=1)


@pytest.mark.skipif(sys.version_info < (3, 13), reason="copy.replace is new in Python 3.13")
def test_copy_replace_makes_a_changed_copy() -> None:
    limit = copy.replace(RateLimit(100, 10.0), requests=50)  # type: ignore[attr-defined,unused-ignore]
    assert limit == RateLimit(50, 10.0)


class _CountingPolicy(RetryPolicy):
    """A user's subclass adding a field of its own."""

    __slots__ = ("label",)
    label: str

    def __init__(self, *, label: str = "", **settings: Any) -> None:
        super().__init__(**settings)
        set_fields(self, label=label)


def test_a_subclass_keeps_the_base_fields_and_adds_its_own() -> None:
    policy = _CountingPolicy(label="jobs", max_retries=4)
    assert repr(policy).startswith("_CountingPolicy(max_retries=4, initial_delay=0.5,")
    assert repr(policy).endswith(", label='jobs')")
    assert policy != _CountingPolicy(label="other", max_retries=4)
    assert policy.__replace__(max_retries=1) == _CountingPolicy(label="jobs", max_retries=1)
    restored = pickle.loads(pickle.dumps(policy))
    assert (restored, restored.label) == (policy, "jobs")
    assert policy != RetryPolicy(max_retries=4)
