"""A resource's attributes decoded by msgspec into a struct made from its class, then copied into the object.

The compiled converters of `atono._converters` check every value in Python after a plain decode. Here the same
rules are handed to msgspec as a struct, built once per class from the members the spec gives it, so the
checks and the date-time parsing happen in C while decoding; what is left in Python is copying the fields
and mapping enum values. Anything the struct refuses (an unknown member, a malformed value, a date-time form
msgspec does not read) falls back to the plain decode and the compiled converter, which keeps the values
that fit it and explains the first that does not: this path only ever takes what the converter would take,
and gives the same objects.
"""

from __future__ import annotations

import datetime
import enum
import typing
from collections.abc import Callable
from typing import Annotated, Any

from atono._converters import Model, _bare, _member_types, compile_lines, members_of

try:
    import msgspec
except ImportError:  # other interpreters, which decode documents as dicts and never come here
    msgspec = None  # type: ignore[assignment]

Fill = Callable[[Any, Any], bool]
"""`fill(instance, raw_json) -> bool`: False when the struct refused the JSON, and nothing was set."""

# A class whose attributes its struct refused this many times in a row (an API that sends, on every object, a member
# the spec does not name yet) stops trying the struct but for one object in `_TRY_AGAIN_EVERY`, so that it costs
# hardly more than the converter alone; one object taken resumes it.
_GIVE_UP_AFTER = 16
_TRY_AGAIN_EVERY = 64
_FILLERS: dict[type, Fill] = {}
_CONVERTERS: dict[type, tuple[Any, Callable[[Any], Any]]] = {}  # Model class -> (its struct, struct -> Model)


def struct_filler(target: type) -> Fill:
    """The filler of a typed resource class (`Bug`): decode its attributes JSON and set them on an instance."""
    found = _FILLERS.get(target)
    if found is None:
        found = _FILLERS[target] = _compile_filler(target)
    return found


def _wire_type(annotation: Any, namespace: dict[str, Any], name: str) -> tuple[Any, str | None]:
    """What msgspec decodes a member of `annotation` as, and the expression (of `{v}`) that makes the value."""
    origin = typing.get_origin(annotation)
    if annotation in (str, int, bool):
        return annotation, None
    if annotation is float:
        return int | float, None  # an integer stays one, as the converter keeps it
    if annotation is datetime.datetime:
        return Annotated[datetime.datetime, msgspec.Meta(tz=True)], None
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        namespace[f"_enum_{name}"] = annotation
        namespace[f"_members_{name}"] = {member.value: member for member in annotation}
        # A known value is one dict lookup; an unknown one goes through the enum, which keeps it.
        return str, f"(_members_{name}[{{v}}] if {{v}} in _members_{name} else _enum_{name}({{v}}))"
    if origin is list:
        (item,) = typing.get_args(annotation)
        item_type, item_code = _wire_type(item, namespace, f"{name}_item")
        if item_code is None:
            return list[item_type], None  # type: ignore[valid-type]
        return list[item_type], "[" + item_code.format(v="x") + " for x in {v}]"  # type: ignore[valid-type]
    if isinstance(annotation, type) and issubclass(annotation, Model):
        struct, convert = _model_converter(annotation)
        namespace[f"_model_{name}"] = convert
        return struct, f"_model_{name}({{v}})"
    if origin is dict or annotation is dict:
        return dict[str, Any], None
    if annotation is Any:
        return Any, None
    raise TypeError(f"no struct type for {annotation}")


def _struct_fields(target: type, namespace: dict[str, Any]) -> tuple[list[tuple[Any, ...]], dict[str, str | None]]:
    hints = _member_types(target)
    fields: list[tuple[Any, ...]] = []
    codes: dict[str, str | None] = {}
    for member in members_of(target):
        wire, code = _wire_type(_bare(hints[member.name]), namespace, member.name)
        if member.nullable:
            wire = wire | None
        if member.required:
            fields.append((member.name, wire))
        else:
            fields.append((member.name, wire | msgspec.UnsetType, msgspec.UNSET))
        codes[member.name] = code
    return fields, codes


def _make_struct(target: type, fields: list[tuple[Any, ...]]) -> Any:
    rename = {member.name: member.wire_name for member in members_of(target)}
    return msgspec.defstruct(
        f"{target.__name__}Attributes", fields, rename=rename, kw_only=True, forbid_unknown_fields=True, gc=False
    )


def _value_lines(target: type, codes: dict[str, str | None]) -> list[str]:
    """Lines that put each member's value into `f<index>`, None (and its name in `absent`) when it was not sent."""
    lines = ["    absent = ()"]
    for index, member in enumerate(members_of(target)):
        var, code = f"f{index}", codes[member.name]
        lines.append(f"    {var} = s.{member.name}")
        made = None if code is None else f"{var} = {code.format(v=var)}"
        if not member.required:
            lines.append(f"    if {var} is UNSET:")
            lines.append(f"        {var} = None; absent += ({member.name!r},)")
            if made is not None:
                lines.append(f"    elif {var} is not None:" if member.nullable else "    else:")
                lines.append(f"        {made}")
        elif made is not None and member.nullable:
            lines.append(f"    if {var} is not None:")
            lines.append(f"        {made}")
        elif made is not None:
            lines.append(f"    {made}")
    return lines


def _compile(target: type, kind: str, lines: list[str], namespace: dict[str, Any]) -> Any:
    compile_lines(lines, f"<atono struct {kind} for {target.__module__}.{target.__qualname__}>", namespace)
    return namespace["run"]


def _model_converter(target: type) -> tuple[Any, Callable[[Any], Any]]:
    """A nested object class (`ContentChunk`): its struct, and what makes an instance of one."""
    found = _CONVERTERS.get(target)
    if found is None:
        namespace: dict[str, Any] = {"UNSET": msgspec.UNSET, "target": target}
        fields, codes = _struct_fields(target, namespace)
        struct = _make_struct(target, fields)
        arguments = ", ".join(f"{m.name}=f{index}" for index, m in enumerate(members_of(target)))
        lines = ["def run(s):", *_value_lines(target, codes), f"    return target({arguments})"]
        found = _CONVERTERS[target] = (struct, _compile(target, "converter", lines, namespace))
    return found


def _compile_filler(target: type) -> Fill:
    namespace: dict[str, Any] = {"UNSET": msgspec.UNSET}
    fields, codes = _struct_fields(target, namespace)
    decode = msgspec.json.Decoder(_make_struct(target, fields)).decode
    namespace["decode"] = decode
    namespace["Refused"] = (msgspec.ValidationError, msgspec.DecodeError)
    namespace["tally"] = [0, 0]  # refusals in a row, objects passed by since
    members = members_of(target)
    lines = [
        "def run(instance, raw):",
        f"    if tally[0] >= {_GIVE_UP_AFTER}:",
        "        tally[1] += 1",
        f"        if tally[1] % {_TRY_AGAIN_EVERY}:",
        "            return False",
        "    try:",
        "        s = decode(raw)",
        "    except Refused:",
        "        tally[0] += 1",
        "        return False",
        "    tally[0] = 0",
        *_value_lines(target, codes),
        "    members = instance.__dict__",
        *[f"    members[{m.name!r}] = f{index}" for index, m in enumerate(members)],
        "    members['additional_properties'] = {}",
        "    members['_absent'] = absent",
        "    return True",
    ]
    filler: Fill = _compile(target, "filler", lines, namespace)
    return filler
