"""JSON values to generated attrs models, through converters compiled once from the models' annotations.

The generated `from_dict` is correct but slow on a hot path (local imports, try/except per union member)
and does not check primitive types. A converter built from the same field annotations does both in a
few microseconds per resource: it is still derived from the spec, so a new attribute needs nothing here.
Wire names are the camelCase of the generated snake_case names (the rule the generator applies to this
spec; a test checks every attribute of the spec round-trips through it).
"""

from __future__ import annotations

import datetime
import enum
import sys
import typing
from collections.abc import Callable, Iterator, Mapping
from types import NoneType, UnionType
from typing import Any

import atono_api.models as generated_models
import attrs
from atono_api.types import UNSET, Unset

Convert = Callable[[Any], Any]
_fromisoformat = datetime.datetime.fromisoformat


def parse_date_time(value: str) -> datetime.datetime:
    """An RFC 3339 `date-time` as an aware datetime.

    RFC 3339 allows a lower-case `t` and `z`, which `fromisoformat` does not take; and it requires an offset, which
    `fromisoformat` does not: a date-time without one is refused rather than turned into a naive datetime.
    """
    try:
        parsed = _fromisoformat(value)
    except ValueError:
        if not any(c in value for c in "tz"):
            raise
        parsed = _fromisoformat(value.replace("t", "T").replace("z", "Z"))
    if parsed.tzinfo is None:
        raise ValueError(f"date-time without a UTC offset: {value!r:.40}")
    return parsed


class ConversionError(ValueError):
    """A JSON value that does not fit the field it is for; `member` names that field on the wire."""

    def __init__(self, message: str, *, member: str | None = None) -> None:
        super().__init__(message)
        self.member = member


def wire_name(python_name: str) -> str:
    """`created_at` -> `createdAt`, `type_` -> `type`."""
    head, *rest = python_name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class _Models(Mapping[str, Any]):
    """The generated models by name, imported on first use, for resolving string annotations."""

    def __getitem__(self, name: str) -> Any:
        try:
            return getattr(generated_models, name)
        except AttributeError:
            raise KeyError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(generated_models.__all__)

    def __len__(self) -> int:
        return len(generated_models.__all__)


_MODELS = _Models()


def model_hints(model: type) -> dict[str, Any]:
    """The resolved annotations of a generated model's fields."""
    module = sys.modules[model.__module__]
    return typing.get_type_hints(model, globalns=vars(module), localns=_MODELS)


def _fail(expected: str, value: Any) -> typing.NoReturn:
    raise ConversionError(f"expected {expected}, got {type(value).__name__} {value!r:.40}")


def _converter(annotation: Any) -> tuple[Convert, bool, bool]:
    """(convert, accepts None, may be absent) for one field annotation."""
    if typing.get_origin(annotation) in (UnionType, typing.Union):
        args = typing.get_args(annotation)
        inner = [a for a in args if a not in (NoneType, Unset)]
        if len(inner) != 1:
            raise TypeError(f"no converter for the union {annotation}")
        convert, _, _ = _converter(inner[0])
        return convert, NoneType in args, Unset in args
    return _plain(annotation), False, False


def _plain(annotation: Any) -> Convert:
    origin = typing.get_origin(annotation)
    if origin is list:
        (item_annotation,) = typing.get_args(annotation)
        item = _plain(item_annotation)

        def convert_list(value: Any) -> list[Any]:
            if value.__class__ is not list:
                _fail("an array", value)
            return [item(v) for v in value]

        return convert_list
    if origin is dict or annotation is dict or annotation is Any:

        def convert_object(value: Any) -> Any:
            if annotation is not Any and value.__class__ is not dict:
                _fail("an object", value)
            return value

        return convert_object
    if annotation is datetime.datetime:

        def convert_datetime(value: Any) -> datetime.datetime:
            if value.__class__ is not str:
                _fail("a date-time string", value)
            return parse_date_time(value)

        return convert_datetime
    if annotation in (str, int, bool, float):
        accepted: tuple[type, ...] = (int, float) if annotation is float else (annotation,)

        def convert_primitive(value: Any) -> Any:
            if value.__class__ not in accepted:
                _fail(annotation.__name__, value)
            return value

        return convert_primitive
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):

        def convert_enum(value: Any) -> Any:
            if value.__class__ is not str:
                _fail("a string", value)
            return annotation(value)

        return convert_enum
    if isinstance(annotation, type) and attrs.has(annotation):
        return model_converter(annotation)
    raise TypeError(f"no converter for {annotation}")


Fill = Callable[[Any, Any], None]
_COMPILED: dict[tuple[type, bool], Any] = {}  # (target, fill) -> the compiled converter or filler
_MISSING = object()


def model_converter(target: type) -> Convert:
    """Convert JSON objects into new instances of `target`: a generated attrs model, or a typed class built on one.

    The converter is straight-line code compiled for the model (one branch per field, no loop, no
    per-value function call for strings, numbers and booleans). When it meets a value it cannot take,
    the field-by-field checker below runs on the same object to say precisely what is wrong.
    """
    converter: Convert = _compiled(target, fill=False)
    return converter


def model_filler(target: type) -> Fill:
    """`fill(instance, value)`: set the fields of an instance of `target` made with `__new__` from a JSON object.

    The same compiled code as `model_converter`, ending in slot writes instead of a constructor call, so a
    typed object can be created first and its attributes converted later, when one is read.
    """
    filler: Fill = _compiled(target, fill=True)
    return filler


def _compiled(target: type, *, fill: bool) -> Any:
    found = _COMPILED.get((target, fill))
    if found is None:
        found = _COMPILED[(target, fill)] = _compile(target, fill=fill)
    return found


def _compile(target: type, *, fill: bool) -> Any:
    model = next(base for base in target.__mro__ if base.__module__.startswith("atono_api."))
    hints = model_hints(model)
    fields = [f.name for f in attrs.fields(model) if f.name != "additional_properties"]
    extras = "additional_properties" in attrs.fields_dict(model)
    namespace: dict[str, Any] = {
        "_MISSING": _MISSING,
        "UNSET": UNSET,
        "target": target,
        "_date_time": parse_date_time,
        "_explain": _explainer(model, hints, fields),
        "_known": frozenset(wire_name(name) for name in fields),
    }
    head = "def convert(instance, value):" if fill else "def convert(value):"
    lines = [head, "    if value.__class__ is not dict:", "        _explain(value)"]
    lines.append("    get = value.get")
    lines.append("    present = 0")
    for index, name in enumerate(fields):
        lines += _field_code(index, name, hints[name], namespace)
    extra = "{k: v for k, v in value.items() if k not in _known} if len(value) > present else {}"
    if fill:
        for index, name in enumerate([*fields, "additional_properties"] if extras else fields):
            namespace[f"_set{index}"] = _slot_setter(model, name)
            lines.append(f"    _set{index}(instance, {extra if name == 'additional_properties' else f'f{index}'})")
    else:
        arguments = ", ".join(f"{name}=f{index}" for index, name in enumerate(fields))
        lines.append(f"    instance = target({arguments})")
        if extras:
            lines.append("    if len(value) > present:")
            lines.append("        instance.additional_properties = {k: v for k, v in value.items() if k not in _known}")
        lines.append("    return instance")
    code = "\n".join(lines)
    exec(compile(code, f"<atono converter for {target.__qualname__}>", "exec"), namespace)
    fast = namespace["convert"]
    explain = namespace["_explain"]

    def convert(*arguments: Any) -> Any:
        try:
            return fast(*arguments)
        except (ValueError, TypeError, AttributeError):
            explain(arguments[-1])
            raise

    return convert


def _slot_setter(model: type, name: str) -> Callable[[Any, Any], None]:
    """Write one field without going through `__setattr__` (the slot's own descriptor, for attrs' slotted classes)."""
    descriptor = vars(model).get(name)
    if descriptor is not None and hasattr(descriptor, "__set__"):
        setter: Callable[[Any, Any], None] = descriptor.__set__
        return setter
    return lambda instance, value: object.__setattr__(instance, name, value)


def _field_code(index: int, name: str, annotation: Any, namespace: dict[str, Any]) -> list[str]:
    """The lines that read, check and convert one field into the local `f<index>`."""
    args = typing.get_args(annotation) if typing.get_origin(annotation) in (UnionType, typing.Union) else ()
    inner = [a for a in args if a not in (NoneType, Unset)] if args else [annotation]
    (kind,) = inner
    var = f"f{index}"
    out = [f"    {var} = get({wire_name(name)!r}, _MISSING)"]
    origin = typing.get_origin(kind)
    if kind in (str, int, bool):
        out.append(f"    if {var}.__class__ is {kind.__name__}:")
        out.append("        present += 1")
    elif kind is float:
        out.append(f"    if {var}.__class__ is float or {var}.__class__ is int:")
        out.append("        present += 1")
    elif kind is datetime.datetime:
        out.append(f"    if {var}.__class__ is str:")
        out.append(f"        {var} = _date_time({var}); present += 1")
    elif isinstance(kind, type) and issubclass(kind, enum.Enum):
        namespace[f"_enum{index}"] = kind
        namespace[f"_members{index}"] = {member.value: member for member in kind}
        out.append(f"    if {var}.__class__ is str:")
        # A known value is one dict lookup; an unknown one goes through the enum, which keeps it.
        out.append(f"        {var} = _members{index}[{var}] if {var} in _members{index} else _enum{index}({var})")
        out.append("        present += 1")
    elif origin is list:
        (item,) = typing.get_args(kind)
        namespace[f"_item{index}"] = _plain(item)
        out.append(f"    if {var}.__class__ is list:")
        out.append(f"        {var} = [_item{index}(x) for x in {var}]; present += 1")
    elif isinstance(kind, type) and attrs.has(kind):
        namespace[f"_model{index}"] = model_converter(kind)
        out.append(f"    if {var}.__class__ is dict:")
        out.append(f"        {var} = _model{index}({var}); present += 1")
    elif origin is dict or kind is dict or kind is Any:
        out.append(f"    if {var}.__class__ is dict:" if kind is not Any else f"    if {var} is not _MISSING:")
        out.append("        present += 1")
    else:
        raise TypeError(f"no converter for {annotation}")
    if Unset in args:
        out.append(f"    elif {var} is _MISSING:")
        out.append(f"        {var} = UNSET")
    if NoneType in args:
        out.append(f"    elif {var} is None:")
        out.append("        present += 1")
    out.append("    else:")
    out.append("        _explain(value)")
    return out


def _explainer(model: type, hints: dict[str, Any], fields: list[str]) -> Callable[[Any], None]:
    """Raise a ConversionError that names the first member of `value` that does not fit `model`."""
    checks = [(name, wire_name(name), *_converter(hints[name])) for name in fields]

    def explain(value: Any) -> None:
        if value.__class__ is not dict:
            _fail("an object", value)
        for _, wire, convert_field, nullable, optional in checks:
            raw = value.get(wire, _MISSING)
            if raw is _MISSING:
                if not optional:
                    raise ConversionError(f"the member {wire!r} is required", member=wire)
            elif raw is None:
                if not nullable:
                    raise ConversionError(f"the member {wire!r} cannot be null", member=wire)
            else:
                try:
                    convert_field(raw)
                except ValueError as exc:  # a ConversionError, or a malformed date-time
                    raise ConversionError(f"{wire}: {exc}", member=wire) from None

    return explain
