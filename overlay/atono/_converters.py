"""JSON values to the typed classes of `atono.types` and back, through converters compiled once per class.

A class generated from the spec lists its attributes in `_attribute_members` (Python name, wire name, required,
nullable) and types them in its annotations. A converter built from the two is straight-line code that checks and
converts a resource's attributes in a few microseconds (the generated `from_dict` of the low-level client takes
much longer: local imports, try/except per union member, and it does not check primitive types); it is still
derived from the spec, so a new attribute needs nothing here. `attributes_json` writes them back as the API
names them.
"""

from __future__ import annotations

import datetime
import enum
import functools
import linecache
import sys
import typing
from collections.abc import Callable, Iterator, Mapping
from types import NoneType, UnionType
from typing import Any, ClassVar, NamedTuple, Self

import attrs

Convert = Callable[[Any], Any]
_fromisoformat = datetime.datetime.fromisoformat
_MICROSECOND = datetime.timedelta(microseconds=1)


def parse_date_time(value: str) -> datetime.datetime:
    """An RFC 3339 `date-time` as an aware datetime.

    RFC 3339 allows a lower-case `t` and `z`, which `fromisoformat` does not take; and it requires an offset, which
    `fromisoformat` does not: a date-time without one is refused rather than turned into a naive datetime. A
    fraction finer than a microsecond is rounded (half up on its seventh digit, as msgspec decodes it), where
    `fromisoformat` would cut it: the same text gives the same datetime whichever path decodes it.
    """
    try:
        parsed = _fromisoformat(value)
    except ValueError:
        if not any(c in value for c in "tz"):
            raise
        parsed = _fromisoformat(value.replace("t", "T").replace("z", "Z"))
    if parsed.tzinfo is None:
        raise ValueError(f"date-time without a UTC offset: {value!r:.40}")
    dot = value.find(".")
    if dot != -1 and value[dot + 7 : dot + 8] >= "5" and value[dot + 1 : dot + 8].isdigit():
        parsed += _MICROSECOND
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
    """The low-level client's models by name, imported on first use (its package imports them lazily)."""

    def __getitem__(self, name: str) -> Any:
        import atono_api.models as generated_models  # noqa: PLC0415 - only the request side needs them

        try:
            return getattr(generated_models, name)
        except AttributeError:
            raise KeyError(name) from None

    def __iter__(self) -> Iterator[str]:
        import atono_api.models as generated_models  # noqa: PLC0415

        return iter(generated_models.__all__)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def model_hints(model: type) -> dict[str, Any]:
    """The resolved annotations of a request model of the low-level client."""
    module = sys.modules[model.__module__]
    return typing.get_type_hints(model, globalns=vars(module), localns=_Models())


class AttributeMember(NamedTuple):
    """One attribute of a generated class: its Python and wire names, and what the spec allows of it."""

    name: str
    wire_name: str
    required: bool
    nullable: bool


def members_of(target: type) -> tuple[AttributeMember, ...]:
    """The attributes a generated class declares (none for a class that has no `_attribute_members`)."""
    members: tuple[AttributeMember, ...] = getattr(target, "_attribute_members", ())
    return members


@functools.cache
def _request_checker(model: type) -> Callable[[Any], None]:
    """What checks a JSON object against a request model of the low-level client (an attrs class, whose optional
    members are `... | Unset`), so that arguments follow the type rules responses follow."""
    from atono_api.types import Unset  # noqa: PLC0415 - only the request side needs it

    hints = model_hints(model)
    members = tuple(
        AttributeMember(
            f.name,
            wire_name(f.name),
            required=Unset not in typing.get_args(hints[f.name]),
            nullable=NoneType in typing.get_args(hints[f.name]),
        )
        for f in attrs.fields(model)
        if f.name != "additional_properties"
    )
    bare = {name: _bare(hint, Unset) for name, hint in hints.items()}
    return _explainer(members, bare)


def check_request(model: type, value: dict[str, Any]) -> None:
    """Raise ConversionError naming the first member of `value` that does not fit the request `model`."""
    _request_checker(model)(value)


def _member_types(target: type) -> dict[str, Any]:
    """The resolved annotation of each attribute a generated class declares."""
    hints = typing.get_type_hints(target)
    return {member.name: hints[member.name] for member in members_of(target)}


def _bare(annotation: Any, *markers: Any) -> Any:
    """`X | None` -> X (`X | None | Unset` too, given Unset)."""
    if typing.get_origin(annotation) in (UnionType, typing.Union):
        inner = [a for a in typing.get_args(annotation) if a is not NoneType and a not in markers]
        if len(inner) != 1:
            raise TypeError(f"no converter for the union {annotation}")
        return inner[0]
    return annotation


class Model:
    """The base of the object classes attributes hold (`ContentChunk`): plain data, as the API writes it."""

    _attribute_members: ClassVar[tuple[AttributeMember, ...]] = ()

    def __getitem__(self, name: str) -> Any:
        """A member the spec does not name, by its wire name; KeyError when it was not sent."""
        extra: dict[str, Any] = getattr(self, "additional_properties", {})
        return extra[name]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object, members named as the API names them (members the spec does not name included)."""
        return attributes_json(self, ())

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        """The object of a JSON object as the API sends it; a member that does not fit raises ValueError naming it."""
        built: Self = model_converter(cls)(dict(src_dict))
        return built


def attributes_json(source: Any, absent: typing.Collection[str]) -> dict[str, Any]:
    """The attributes of `source` as JSON, by wire name: unknown members as received, then every member the class
    declares except the Python names in `absent` (members the server did not send, which read as None)."""
    out: dict[str, Any] = dict(getattr(source, "additional_properties", None) or {})
    values = source.__dict__ if hasattr(source, "__dict__") else None
    for member in members_of(type(source)):
        if member.name in absent:
            continue
        value = values[member.name] if values is not None and member.name in values else getattr(source, member.name)
        out[member.wire_name] = _json_value(value)
    return out


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat().replace("+00:00", "Z")  # UTC as Atono writes it
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    return value


def _fail(expected: str, value: Any) -> typing.NoReturn:
    raise ConversionError(f"expected {expected}, got {type(value).__name__} {value!r:.40}")


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
    if isinstance(annotation, type) and issubclass(annotation, Model):
        return model_converter(annotation)
    if isinstance(annotation, type) and attrs.has(annotation):  # a request model of the low-level client

        def check_model(value: Any) -> Any:
            check_request(annotation, value)
            return value

        return check_model
    raise TypeError(f"no converter for {annotation}")


Fill = Callable[[Any, Any], None]
_COMPILED: dict[tuple[type, bool], Any] = {}  # (target, fill) -> the compiled converter or filler
_MISSING = object()


def model_converter(target: type) -> Convert:
    """Convert JSON objects into new instances of `target`, a generated `Model` class (`ContentChunk`).

    The converter is straight-line code compiled for the model (one branch per field, no loop, no
    per-value function call for strings, numbers and booleans). When it meets a value it cannot take,
    the field-by-field checker below runs on the same object to say precisely what is wrong.
    """
    converter: Convert = _compiled(target, fill=False)
    return converter


def model_filler(target: type) -> Fill:
    """`fill(instance, value)`: set the attributes of a typed resource object made with `__new__` from a JSON object.

    The same compiled code as `model_converter`, ending in writes to the instance dict instead of a constructor
    call, so a typed object can be created first and its attributes converted later, when one is read. The Python
    names of the optional members the object did not have go in `_absent`.
    """
    filler: Fill = _compiled(target, fill=True)
    return filler


def _compiled(target: type, *, fill: bool) -> Any:
    found = _COMPILED.get((target, fill))
    if found is None:
        found = _COMPILED[(target, fill)] = _compile(target, fill=fill)
    return found


def _compile(target: type, *, fill: bool) -> Any:
    members = members_of(target)
    hints = _member_types(target)
    namespace: dict[str, Any] = {
        "_MISSING": _MISSING,
        "target": target,
        "_date_time": parse_date_time,
        "_explain": _explainer(members, hints),
        "_known": frozenset(m.wire_name for m in members),
    }
    head = "def convert(instance, value):" if fill else "def convert(value):"
    lines = [head, "    if value.__class__ is not dict:", "        _explain(value)"]
    lines.append("    get = value.get")
    lines.append("    present = 0")
    lines.append("    absent = ()")
    for index, member in enumerate(members):
        lines += _field_code(index, member, _bare(hints[member.name]), namespace)
    extra = "{k: v for k, v in value.items() if k not in _known} if len(value) > present else {}"
    if fill:
        lines.append("    members = instance.__dict__")
        lines += [f"    members[{m.name!r}] = f{index}" for index, m in enumerate(members)]
        lines.append(f"    members['additional_properties'] = {extra}")
        lines.append("    members['_absent'] = absent")
    else:
        arguments = ", ".join(f"{m.name}=f{index}" for index, m in enumerate(members))
        lines.append(f"    instance = target({arguments})")
        lines.append("    if len(value) > present:")
        lines.append("        instance.additional_properties = {k: v for k, v in value.items() if k not in _known}")
        lines.append("    return instance")
    kind = "filler" if fill else "converter"
    compile_lines(lines, f"<atono {kind} for {target.__module__}.{target.__qualname__}>", namespace)
    fast = namespace["convert"]
    explain = namespace["_explain"]

    def convert(*arguments: Any) -> Any:
        try:
            return fast(*arguments)
        except (ValueError, TypeError, AttributeError):
            explain(arguments[-1])
            raise

    return convert


def compile_lines(lines: list[str], wanted: str, namespace: dict[str, Any]) -> None:
    """Run the source `lines` in `namespace` (where what they define lands), under the file name `wanted`
    (`<atono ... for module.Class>`, numbered if taken), its source readable to tracebacks."""
    code = "\n".join(lines) + "\n"
    filename = _source_name(wanted)
    exec(compile(code, filename, "exec"), namespace)
    _register_source(filename, code)


def _source_name(wanted: str) -> str:
    """`wanted`, or it with a number where another source already holds that name (a class defined again)."""
    name, n = wanted, 1
    while name in linecache.cache:
        n += 1
        name = f"{wanted[:-1]}-{n}>"
    return name


def _register_source(filename: str, code: str) -> None:
    """Make the compiled code's source readable to `linecache`, as attrs does for its generated methods, so that a
    traceback through a converter shows its lines rather than nothing (the size and None mtime keep
    `linecache.checkcache` from dropping it)."""
    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)


def _field_code(index: int, member: AttributeMember, kind: Any, namespace: dict[str, Any]) -> list[str]:
    """The lines that read, check and convert one attribute (of the type `kind`) into the local `f<index>`."""
    var = f"f{index}"
    out = [f"    {var} = get({member.wire_name!r}, _MISSING)"]
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
    elif isinstance(kind, type) and issubclass(kind, Model):
        namespace[f"_model{index}"] = model_converter(kind)
        out.append(f"    if {var}.__class__ is dict:")
        out.append(f"        {var} = _model{index}({var}); present += 1")
    elif origin is dict or kind is dict or kind is Any:
        out.append(f"    if {var}.__class__ is dict:" if kind is not Any else f"    if {var} is not _MISSING:")
        out.append("        present += 1")
    else:
        raise TypeError(f"no converter for {kind}")
    if not member.required:
        out.append(f"    elif {var} is _MISSING:")
        out.append(f"        {var} = None; absent += ({member.name!r},)")
    if member.nullable:
        out.append(f"    elif {var} is None:")
        out.append("        present += 1")
    out.append("    else:")
    out.append("        _explain(value)")
    return out


def _explainer(members: tuple[AttributeMember, ...], hints: dict[str, Any]) -> Callable[[Any], None]:
    """Raise a ConversionError that names the first member of `value` that does not fit."""
    checks = [(m.wire_name, _plain(_bare(hints[m.name])), m.nullable, not m.required) for m in members]

    def explain(value: Any) -> None:
        if value.__class__ is not dict:
            _fail("an object", value)
        for wire, convert_field, nullable, optional in checks:
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
