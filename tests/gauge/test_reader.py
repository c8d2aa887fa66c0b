"""Legacy files parsed a piece at a time give exactly the records of the whole file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skillnest.gauge.importer import reader

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    # Texts that look like the lines pieces are cut at, once escaped inside a string.
    st.sampled_from(["}", "\n}", "\n  },", "{", "[", "]", ",", "\\", '"']),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
records = st.lists(st.dictionaries(st.text(max_size=8), values, max_size=5), max_size=12)


def items_at_column_zero(data: list[Any]) -> bytes:
    """The sample writer's layout: each record indented on its own, from column 0."""
    if not data:
        return b"[]\n"
    items = b",\n".join(orjson.dumps(r, option=orjson.OPT_INDENT_2) for r in data)
    return b"[\n" + items + b"\n]\n"


LAYOUTS = {
    "column zero": items_at_column_zero,
    "JSON.stringify(data, null, 2)": lambda d: orjson.dumps(d, option=orjson.OPT_INDENT_2),
    "indent 4": lambda d: json.dumps(d, indent=4).encode(),
    "tabs": lambda d: json.dumps(d, indent="\t").encode(),
    "CRLF": lambda d: orjson.dumps(d, option=orjson.OPT_INDENT_2).replace(b"\n", b"\r\n"),
    "one line": orjson.dumps,
    "leading blank lines": lambda d: b"\n\n  " + orjson.dumps(d, option=orjson.OPT_INDENT_2),
}


def read_in_pieces(path: Path) -> list[list[Any]]:
    return list(reader.stream(reader.SourceFile("analyses", path, path.name)).pieces())


@settings(max_examples=300, deadline=None)
@given(data=records, layout=st.sampled_from(sorted(LAYOUTS)), piece=st.integers(1, 400))
def test_pieces_hold_the_records_of_the_whole_file_in_order(tmp_path_factory, data, layout, piece):
    path = tmp_path_factory.mktemp("legacy") / "analyses.json"
    path.write_bytes(LAYOUTS[layout](data))
    original = reader.PIECE_BYTES
    reader.PIECE_BYTES = piece
    try:
        pieces = read_in_pieces(path)
    finally:
        reader.PIECE_BYTES = original
    assert [record for part in pieces for record in part] == data


@pytest.mark.parametrize("layout", sorted(set(LAYOUTS) - {"one line"}))
def test_a_big_indented_file_comes_in_several_pieces(tmp_path, monkeypatch, layout):
    data = [{"id": i, "nested": {"list": [{"a": i}], "text": "}\n"}} for i in range(50)]
    path = tmp_path / "analyses.json"
    path.write_bytes(LAYOUTS[layout](data))
    monkeypatch.setattr(reader, "PIECE_BYTES", 200)
    pieces = read_in_pieces(path)
    assert len(pieces) > 10
    assert [record for part in pieces for record in part] == data
    streamed = reader.stream(reader.SourceFile("analyses", path, path.name))
    assert streamed.estimate == 50  # the progress bar's total


def test_an_oddly_indented_file_is_read_whole_and_right(tmp_path, monkeypatch):
    # A nested object closed at the records' own indentation: a cut there does not parse,
    # so the whole file is parsed instead, and no record comes twice.
    text = b'[\n{"id": 1},\n{"id": 2, "inner": {\n"a": 1\n}, "b": 2\n},\n{"id": 3}\n]'
    path = tmp_path / "analyses.json"
    path.write_bytes(text)
    monkeypatch.setattr(reader, "PIECE_BYTES", 1)
    pieces = read_in_pieces(path)
    assert [record for part in pieces for record in part] == orjson.loads(text)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[\n{"id": 1},\n{"id": 2},\n{"id": 3', "cannot read JSON"),  # cut off mid-record
        (b'[\n{"id": 1}\n]\ntrailing', "cannot read JSON"),
        (b'[\n{"id": 1},\n,\n{"id": 2}\n]', "cannot read JSON"),  # two commas
        (b'[\n{"id": 1},\n{"id": 2},\n]', "cannot read JSON"),  # a trailing comma
        (b'[\n{"id": 1}\n{"id": 2}\n]', "cannot read JSON"),  # no comma
        (b'{"id": 1}', "the file must hold a list"),
        (b"", "cannot read JSON"),
    ],
)
def test_a_broken_file_is_reported_as_the_whole_file_parse_reports_it(
    tmp_path, monkeypatch, content, message
):
    path = tmp_path / "analyses.json"
    path.write_bytes(content)
    monkeypatch.setattr(reader, "PIECE_BYTES", 1)
    try:  # what parsing the whole file at once says
        expected = "the file must hold a list" if orjson.loads(content) else ""
    except orjson.JSONDecodeError as exc:
        expected = f"cannot read JSON: {exc}"
    assert expected.startswith(message)
    with pytest.raises(reader.UnreadableFile) as raised:
        read_in_pieces(path)
    assert str(raised.value) == expected
    assert reader.load(reader.SourceFile("analyses", path, path.name)).error == expected
