"""The shared PowerShell JSON reader every Windows backend uses."""

from __future__ import annotations

from wfhaudit.probes.powershell import as_int, as_list, load_json


def test_bom_and_utf16_read_as_utf8() -> None:
    assert load_json('\ufeff{"a": 1}\r\n') == {"a": 1}
    utf16_as_utf8 = '{"a": 1}'.encode("utf-16").decode("utf-8", "replace")
    assert load_json(utf16_as_utf8) == {"a": 1}


def test_not_json_is_none() -> None:
    for text in ("", "   ", "Get-NetFirewallProfile : Access denied", "[" * 100_000):
        assert load_json(text) is None


def test_shapes_of_convertto_json() -> None:
    assert as_list(None) == []
    assert as_list({"Name": "x"}) == [{"Name": "x"}]
    assert as_list([1, 2]) == [1, 2]
    assert as_list({"value": [1, 2], "Count": 2}) == [1, 2]  # Windows PowerShell 5.1
    assert as_list({"value": [1]}) == [{"value": [1]}]       # no Count: an ordinary object


def test_integers() -> None:
    assert as_int(3) == 3
    assert as_int(" 42 ") == 42
    assert as_int(True) is None
    assert as_int("4.2") is None
    assert as_int(None) is None
