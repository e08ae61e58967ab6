"""JSON text as bpmnrun stores it: the fast codec, and the standard library's for what the fast one refuses."""

from __future__ import annotations

import json

from bpmnrun import json_text


def test_values_round_trip_and_non_ascii_text_is_kept_as_written():
    value = {"family": "Nowak-Łukasz", "children": [{"id": "12", "born": "2015-06-14"}], "count": 3, "ok": True,
             "note": None, "score": 2.5}
    text = json_text.dumps(value)
    assert json_text.loads(text) == json.loads(text) == value
    assert text.startswith('{"family":"Nowak-Łukasz","children":[{"id":"12"')  # compact, and not \\u-escaped


def test_what_the_fast_codec_refuses_is_written_and_read_as_the_standard_library_does():
    numbered = {1: "one", 2: "two"}  # keys that are numbers become texts, as json.dumps makes them
    assert json_text.loads(json_text.dumps(numbered)) == {"1": "one", "2": "two"}
    huge = 2 ** 70
    assert json_text.loads(json_text.dumps({"n": huge})) == {"n": huge}
    assert json_text.loads('{"x": NaN}')["x"] != json_text.loads('{"x": NaN}')["x"]  # NaN written before reads
