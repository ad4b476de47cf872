"""The fast parse (orjson round trip) and pybase64 against the strict paths they stand in for.

A value taken the fast way must be exactly the value the strict parser gives, and every input
the strict parser refuses must be refused; over generated JSON, every adversarial case of the
signing tests, and thousands of signed envelopes whose payloads were written every other way
(whitespace, escapes, duplicate names, number forms, reordering, deep nesting, bad UTF-8).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import random
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.security.pki import GOOD_FACTS, Pki

from wfhaudit.crypto import fastjson, strictjson
from wfhaudit.crypto.dsse import b64decode_strict


def tagged(value: Any) -> str:
    """A form that tells 1, 1.0, True and -0.0 apart and keeps member order, for exact equality."""
    return json.dumps(value)


def outcome(parse: Any, data: bytes) -> Any:
    try:
        return tagged(parse(data))
    except strictjson.StrictJSONError:
        return "refused"


def assert_same(data: bytes) -> None:
    fast = outcome(fastjson.loads, data)
    assert fast == outcome(strictjson.loads, data), data[:200]
    ok, _ = fastjson.loads_exact(data)
    assert not (ok and fast == "refused")


ADVERSARIAL = [
    b'{"a":1,"a":2}', b'{"a":{"b":1,"b":1}}', b'{"a":NaN}', b'[Infinity]', b'[-Infinity]',
    b'"\\ud800x"', b'"\\udc00"', b'"\\ud83d\\ude00"', b'"\xff\xfe"', b'"\xed\xa0\x80"',
    b'\xef\xbb\xbf{}', b'9007199254740993', b'-9007199254740993', b'9007199254740991',
    b'18446744073709551616', b'1e400', b'-1e400', b'1E2', b'1.0', b'-0', b'-0.0', b'1e16',
    b'10000000000000000', b'1e-7', b'0.1', b'01', b'1.', b'.5', b'"\\u0041"', b'"\\/"',
    b'"\\u007f"', b'"\x7f"', b'"\\u2028"', b'"\xe2\x80\xa8"', b'"\\b\\f\\n\\r\\t"',
    b'"\\u0000"', b'"\x01"', b'{} ', b' {}', b'{}\n', b'{}x', b'', b'[1,]', b'{"a" :1}',
    b"[" * 100_000 + b"]" * 100_000, b'{"_type":' + b"7" * 5000 + b"}",
    b"[" * 500 + b"]" * 500, b"[" * 2000 + b"]" * 2000, b"[" * 250 + b"]" * 250,
    b'{"b":1,"a":2}', b'{"a":[1,2,{"c":"d"}],"b":null}', b'true', b'null', b'"x"',
]


@pytest.mark.parametrize("data", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_adversarial_inputs_get_the_strict_answer(data: bytes) -> None:
    assert_same(data)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats(allow_nan=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=4),
    max_leaves=8)
FORMS = st.sampled_from(["rfc8785", "compact", "spaces", "ascii", "orjson", "dup"])


def _write(value: Any, form: str) -> bytes:
    if form == "rfc8785":
        return rfc8785.dumps(value)
    if form == "compact":
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8",
                                                                                "surrogatepass")
    if form == "spaces":
        return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    if form == "ascii":
        return json.dumps(value).encode()
    if form == "orjson":
        return fastjson.dumps_sorted(value)
    text = json.dumps(value, separators=(",", ":"))
    return text.replace("{", '{"dup":1,"dup":2,', 1).replace(",}", "}").encode()


@settings(max_examples=1500, deadline=None, database=None)
@given(value=JSON, form=FORMS)
def test_generated_json_in_every_form(value: Any, form: str) -> None:
    try:
        data = _write(value, form)
    except (ValueError, TypeError, OverflowError, rfc8785.CanonicalizationError):
        return  # not writable in this form (e.g. an integer beyond what RFC 8785 allows)
    assert_same(data)


def _reordered(p: bytes) -> bytes:
    """The same value with every object's members in reverse order (compact, unsorted)."""
    def flip(v: Any) -> Any:
        if type(v) is dict:
            return {k: flip(x) for k, x in reversed(list(v.items()))}
        return [flip(x) for x in v] if type(v) is list else v
    return json.dumps(flip(json.loads(p)), separators=(",", ":"), ensure_ascii=False).encode()


def _nested(depth: int) -> bytes:
    return b'"predicate":{"x_deep":' + b"[" * depth + b"]" * depth + b","


def _edits(rng: random.Random) -> list[Any]:
    """Ways a device (or an attacker) might write the same statement's bytes."""
    return [
        lambda p: p,
        lambda p: p.replace(b",", b", ", rng.randint(1, 40)),
        lambda p: p.replace(b":", b" : ", rng.randint(1, 40)),
        lambda p: b" " + p if rng.random() < 0.5 else p + b"\n",
        lambda p: b"\xef\xbb\xbf" + p,
        lambda p: p.replace(b'"format":"wfhaudit-report/1"',
                            b'"format":"wfhaudit-report/1","format":"wfhaudit-report/1"', 1),
        lambda p: p.replace(b'"sequence":1,', b'"sequence":' + rng.choice(
            [b"0", b"-0", b"1.0", b"1e0", b"01", b"9007199254740993", b"1E400", b"NaN",
             b"2"]) + b",", 1),
        lambda p: p.replace(b'"value":12.5', b'"value":' + rng.choice(
            [b"1.25e1", b"12.50", b"12.5e0", b"125e-1", b"12.5"]), 1),
        lambda p: p.replace(b'"name":"host"', rng.choice(
            [b'"name":"\\u0068ost"', b'"name":"h\\u00e9st"', b'"name":"\\ud800"',
             b'"name":"\\ud83d\\ude00"', b'"name":"h\xffst"', b'"name":"\xed\xa0\x80"',
             b'"name":"h\\/st"', b'"name":"ho\\u0000st"', b'"name":"h\xc3\xa9st"']), 1),
        lambda p: p.replace(b'"predicate":{', _nested(rng.choice([10, 200, 500, 1500])), 1),
        lambda p: json.dumps(json.loads(p)).encode(),
        lambda p: json.dumps(json.loads(p), ensure_ascii=False, sort_keys=True).encode(),
        _reordered,
        lambda p: p[: rng.randint(0, len(p))],
    ]


class _Strict:
    """Makes fastjson answer 'not exact' so every parse takes the strict path."""

    @staticmethod
    def loads_exact(data: bytes) -> tuple[bool, Any]:
        return False, None


def test_thousands_of_signed_envelopes_get_the_same_verdict(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    pki = Pki()
    rng = random.Random(20261204)
    facts = {**GOOD_FACTS, "network.upload_mbps": 12.5}
    base = rfc8785.dumps(pki.statement("dev-a", pki.predicate(facts=facts)))
    fast = pki.verifier()
    strict = pki.verifier()
    real = fastjson.loads_exact
    edits = _edits(rng)
    taken = 0
    for n in range(2500):
        payload = base
        for edit in rng.sample(edits, rng.choice([1, 1, 2, 3])):
            # json.loads of bytes already broken, or nested too deep to re-write in Python
            with contextlib.suppress(ValueError, RecursionError):
                payload = edit(payload)
        envelope = pki.envelope(payload=payload)
        if n % 7 == 0:  # the envelope itself written other ways too
            envelope = rng.choice([envelope.rstrip(), b" " + envelope,
                                   envelope.replace(b'{"payload"', b'{"payloadType":"x","payload"'),
                                   json.dumps(json.loads(envelope), indent=1).encode()])
        a = fast.check(envelope, "r")
        monkeypatch.setattr(fastjson, "loads_exact", _Strict.loads_exact)
        b = strict.check(envelope, "r")
        monkeypatch.setattr(fastjson, "loads_exact", real)
        assert (a.reason, a.detail, a.accepted, a.verdict, a.warnings, a.payload_sha256,
                a.sequence, a.device_id) == (b.reason, b.detail, b.accepted, b.verdict,
                                             b.warnings, b.payload_sha256, b.sequence,
                                             b.device_id), payload[:300]
        assert tagged(a.predicate) == tagged(b.predicate)
        taken += real(payload)[0]
    assert 200 < taken < 2500  # both paths were exercised


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=\n *é"


def _reference_b64(text: str) -> bytes:
    """The strict decoder before pybase64 (binascii in strict mode, same pre-checks)."""
    end = len(text)
    pad = 2 if text.endswith("==") else 1 if text.endswith("=") else 0
    if end % 4 or text.find("=", 0, end - pad) >= 0:
        raise ValueError("length or padding")
    if pad and "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".find(
            text[end - pad - 1]) & (0x0F if pad == 2 else 0x03):
        raise ValueError("padding bits")
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        if ("-" in text or "_" in text) and not ("+" in text or "/" in text):
            return _reference_b64(text.translate(str.maketrans("-_", "+/")))
        raise ValueError("not base64") from None


@settings(max_examples=1500, deadline=None, database=None)
@given(st.one_of(st.text(ALPHABET, max_size=24),
                 st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode()),
                 st.binary(max_size=40).map(lambda b: base64.urlsafe_b64encode(b).decode())))
def test_pybase64_decodes_exactly_what_the_strict_decoder_did(text: str) -> None:
    try:
        expected: Any = _reference_b64(text)
    except ValueError:
        expected = "refused"
    try:
        got: Any = b64decode_strict(text)
    except ValueError:
        got = "refused"
    assert got == expected
