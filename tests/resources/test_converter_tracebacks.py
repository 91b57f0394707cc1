"""A traceback through a compiled converter shows the generated source line, as one through attrs' methods does."""

from __future__ import annotations

import linecache
import traceback

import pytest
from atono._converters import ConversionError, model_converter, model_filler
from atono.types import Bug, ContentChunk


def test_a_traceback_through_a_compiled_converter_shows_the_source_line() -> None:
    convert = model_converter(ContentChunk)
    with pytest.raises(ConversionError) as caught:
        convert("not an object")
    text = "".join(traceback.format_exception(caught.value))
    frame = 'File "<atono converter for atono_sdk.types.ContentChunk>", line 3, in convert\n'
    assert frame in text
    assert text.split(frame, 1)[1].splitlines()[0].strip() == "_explain(value)"


def test_a_converter_and_a_filler_have_their_own_source() -> None:
    model_filler(Bug), model_converter(ContentChunk)
    filler = linecache.getlines("<atono filler for atono_sdk.types.Bug>")
    converter = linecache.getlines("<atono converter for atono_sdk.types.ContentChunk>")
    assert filler[0] == "def convert(instance, value):\n"
    assert converter[0] == "def convert(value):\n"
    linecache.checkcache()  # what tracebacks call first: it must not drop sources that have no file
    assert linecache.getlines("<atono filler for atono_sdk.types.Bug>") == filler
