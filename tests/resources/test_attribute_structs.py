"""Attributes decoded into structs: the fast path takes only what the converter takes, and gives the same objects."""

from __future__ import annotations

import datetime
import enum
import typing
from typing import Any

import msgspec
import pytest
from atono._attribute_structs import _compile_filler
from atono._converters import ConversionError, Model, _bare, _member_types, members_of, model_filler
from atono._documents import decode_document
from atono._objects import MalformedDocumentError, ResourceObject
from atono.types import KNOWN_TYPES, Bug
from hypothesis import given, settings
from hypothesis import strategies as st

TYPED = sorted(
    (cls for cls in KNOWN_TYPES.values() if issubclass(cls, ResourceObject) and members_of(cls)),
    key=lambda cls: cls.__name__,
)

DATE_TIMES = [
    "2024-01-05T07:33:02Z",
    "2024-01-05T07:33:02.5+02:00",
    "2024-01-05T07:33:02.5+05:55",  # the offset is not a fraction to round
    "2024-12-31T23:59:59.9999995Z",  # rounds into the next year
    "2024-01-05t07:33:02z",  # RFC 3339 allows lower case; the converter reads it
    "2024-01-05T07:33:02",  # no offset: refused
    "2024-01-05 07:33:02Z",
    "2024-01-05T07:33:02.1234567Z",
    "20240105T073302Z",
    "2024-01-05T24:00:00Z",
    "2024-02-30T00:00:00Z",
]
ODD = [None, True, False, 0, 7, 2**70, -1.5, 2.0, "", "x", [], {}, {"a": 1}, ["x"], *DATE_TIMES]


def values_for(annotation: Any) -> st.SearchStrategy[Any]:
    """JSON values that fit `annotation`, and many that do not."""
    kind = _bare(annotation)
    fitting: st.SearchStrategy[Any]
    if kind is str:
        fitting = st.text(max_size=5)
    elif kind is bool:
        fitting = st.booleans()
    elif kind is int:
        fitting = st.integers(-(2**65), 2**65)
    elif kind is float:
        fitting = st.integers(-5, 5) | st.floats(allow_nan=False, allow_infinity=False)
    elif kind is datetime.datetime:
        fitting = st.sampled_from(DATE_TIMES)
    elif isinstance(kind, type) and issubclass(kind, enum.Enum):
        fitting = st.sampled_from([m.value for m in kind] + ["A_VALUE_NOT_IN_THE_SPEC"])
    elif typing.get_origin(kind) is list:
        (item,) = typing.get_args(kind)
        fitting = st.lists(values_for(item), max_size=3)
    elif isinstance(kind, type) and issubclass(kind, Model):
        fitting = objects_for(kind)
    else:
        fitting = st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
    return fitting | st.sampled_from(ODD)


def objects_for(cls: type) -> st.SearchStrategy[dict[str, Any]]:
    hints = _member_types(cls)
    members = {m.wire_name: values_for(hints[m.name]) for m in members_of(cls)}
    present = st.fixed_dictionaries({}, optional=members)
    extra = st.dictionaries(st.sampled_from(["notInTheSpec", "other"]), st.integers(), max_size=1)
    return st.builds(lambda a, b: {**a, **b}, present, extra | st.just({}))


def shape(value: Any) -> str:
    """The value with its types: 1 and 1.0, or two time zones that compare equal, are told apart."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {shape(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return type(value).__name__ + "[" + ", ".join(shape(v) for v in value) + "]"
    if isinstance(value, Model):
        return type(value).__name__ + shape({k: getattr(value, k) for k in ("additional_properties", *vars_of(value))})
    if isinstance(value, datetime.datetime):
        return f"datetime({value.isoformat()}, {value.tzinfo!r})"
    return f"{type(value).__name__}({value!r})"


def vars_of(value: Model) -> list[str]:
    return [m.name for m in members_of(type(value))]


def filled(cls: type, attributes: dict[str, Any]) -> tuple[str | None, str | None]:
    """What the struct path and the converter each made of `attributes` (None: refused). The filler is a new one, which
    has not given up on the class after the refusals of earlier examples."""
    by_struct = cls.__new__(cls)
    taken = _compile_filler(cls)(by_struct, msgspec.json.encode(attributes))
    by_converter = cls.__new__(cls)
    try:
        model_filler(cls)(by_converter, attributes)
        converted: str | None = shape(by_converter.__dict__)
    except ConversionError:
        converted = None
    return (shape(by_struct.__dict__) if taken else None), converted


@pytest.mark.parametrize("cls", TYPED, ids=lambda cls: cls.__name__)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_struct_takes_only_what_the_converter_takes_and_makes_the_same(cls: type, data: st.DataObject) -> None:
    attributes = data.draw(objects_for(cls))
    by_struct, by_converter = filled(cls, attributes)
    if by_struct is not None:
        assert by_struct == by_converter


def test_the_struct_takes_a_documented_bug() -> None:
    attributes = {
        "title": "Export fails",
        "handle": "BUG-4",
        "content": [{"type": "DISPLAY_HTML", "value": "<p>x</p>"}],
        "position": 3,
        "cycleTimeMode": "NORMAL",
        "createdAt": "2024-09-04T22:28:31Z",
        "updatedAt": "2024-09-04T22:28:31.250+02:00",
        "doneAt": None,
    }
    by_struct, by_converter = filled(Bug, attributes)
    assert by_struct is not None, "the common case must take the fast path"
    assert by_struct == by_converter


def test_what_the_struct_refuses_still_reads_through_the_converter() -> None:
    """An unknown member and a lower-case date-time are refused by the struct; the object still has them."""
    body = msgspec.json.encode(
        {
            "data": [
                {
                    "type": "bug",
                    "id": "b1",
                    "attributes": {
                        "title": "t",
                        "handle": "BUG-1",
                        "createdAt": "2024-01-05t07:33:02z",
                        "updatedAt": "2024-01-05T07:33:02Z",
                        "severity": "high",
                    },
                }
            ]
        }
    )
    bug = decode_document(body, many=True).data[0]
    assert bug.created_at == datetime.datetime(2024, 1, 5, 7, 33, 2, tzinfo=datetime.UTC)
    assert bug["severity"] == "high"
    assert bug.fields_set == {"title", "handle", "created_at", "updated_at"}


def test_a_malformed_attribute_is_explained_as_before() -> None:
    body = msgspec.json.encode({"data": [{"type": "bug", "id": "b1", "attributes": {"title": 5, "handle": "BUG-1"}}]})
    bug = decode_document(body, many=True).data[0]
    for _ in range(2):  # every read raises, not only the first
        with pytest.raises(MalformedDocumentError, match=r"bug b1 .*title: expected str, got int 5"):
            _ = bug.handle


def test_objects_read_right_while_the_struct_gives_up_on_a_class_and_takes_it_up_again() -> None:
    """An API that sends a member the spec does not name on every bug, then stops: every bug reads the same."""

    def bug(n: int, extra: bool) -> dict[str, Any]:
        attributes = {"title": f"t{n}", "handle": f"BUG-{n}", "createdAt": "2024-01-05T07:33:02Z"}
        attributes["updatedAt"] = "2024-01-05T07:33:02.5Z"
        return {"type": "bug", "id": f"b{n}", "attributes": {**attributes, **({"severity": n} if extra else {})}}

    resources = [bug(n, extra=n < 150) for n in range(300)]
    bugs = decode_document(msgspec.json.encode({"data": resources}), many=True).data
    for n, read in enumerate(bugs):
        assert (read.title, read.handle, read.updated_at.microsecond) == (f"t{n}", f"BUG-{n}", 500000)
        assert read.additional_properties == ({"severity": n} if n < 150 else {})
        assert read.fields_set == {"title", "handle", "created_at", "updated_at"}
