"""Immutable value classes whose methods are compiled with the module, not generated when it is imported.

attrs and dataclasses write the `__init__`, `__eq__`, `__hash__` and `__repr__` of each class as source and compile
it when the class is defined, so every `import atono` paid for it: the three public value classes (`RetryPolicy`,
`RateLimit`, `ErrorObject`) cost about 6, 6 and 4 M instructions there, and they were all that made `import atono`
load attrs (60 M more; the generated client, which needs it, loads at the first call). `Frozen` gives those
methods once, reading the fields from `__slots__`; each class writes its own `__init__`, which validates as it sets.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn, Self

_set = object.__setattr__


class Frozen:
    """Fields are the `__slots__`, in order, a base class's first. `_uncompared` fields are left out of equality and
    hashing (raw JSON kept for reference), `_unshown` ones out of the repr (clocks and callbacks)."""

    __slots__: tuple[str, ...] = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _uncompared: ClassVar[frozenset[str]] = frozenset()
    _unshown: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._fields = tuple(name for klass in reversed(cls.__mro__) for name in klass.__dict__.get("__slots__", ()))

    def _compared(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields if name not in self._uncompared)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash((self.__class__, self._compared()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields if name not in self._unshown)
        return f"{self.__class__.__name__}({shown})"

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(
            f"{self.__class__.__name__} is immutable: make a changed copy with "
            f"{self.__class__.__name__}(...) or copy.replace(obj, {name}=...) (Python 3.13+)"
        )

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{self.__class__.__name__} is immutable: {name} cannot be deleted")

    def __replace__(self, **changes: Any) -> Self:
        """A copy with `changes`, checked as the constructor checks them (`copy.replace` on Python 3.13+)."""
        values: dict[str, Any] = {name: getattr(self, name) for name in self._fields}
        unknown = changes.keys() - values.keys()
        if unknown:
            raise TypeError(f"{self.__class__.__name__} has no field {', '.join(sorted(unknown))}")
        return self.__class__(**{**values, **changes})

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self.__class__, tuple(getattr(self, name) for name in self._fields)))


def _restore(cls: type[Frozen], values: tuple[Any, ...]) -> Frozen:
    """Unpickle without validating again: the values were checked when the pickled object was made."""
    obj = cls.__new__(cls)
    for name, value in zip(cls._fields, values, strict=True):
        _set(obj, name, value)
    return obj


def set_fields(obj: Frozen, **values: Any) -> None:
    """Set the fields of `obj` from its `__init__`, past the frozen `__setattr__`."""
    for name, value in values.items():
        _set(obj, name, value)
