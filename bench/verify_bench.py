"""Verification throughput: wfhaudit's Verifier vs bare Ed25519 verify of the same payloads.

Generates N signed reports (a resolved policy, the facts `check` would sign and the evidence
they come from: recorded Linux probe cases, see bench/evidence_pool.py; findings from the real
evaluator), enrols their device keys in a signed trust file, then per chunk of reports times
(a) `Ed25519PublicKey.verify(sig, PAE)` with cached key objects, (b) `Verifier.verify` with
every check including re-derivation of the facts from the carried evidence, (d) the same
without re-derivation (the checks of before), and (c) a pipeline with no checks at all
(json.loads of the envelope, base64, Ed25519, SHA-256, json.loads of the payload). All run in
the same process on the same payloads, alternating per chunk. `--no-memo` turns the replay memo
off: every report's evidence goes through the parsers, as if no two devices were alike.

    .venv/bin/python bench/verify_bench.py --n 10000
    .venv/bin/python bench/verify_bench.py --n 100000 --workers 2
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from evidence_pool import EvidencePool

from wfhaudit.crypto.canonical import canonical_bytes
from wfhaudit.crypto.dsse import REPORT_PAYLOAD_TYPE, pae
from wfhaudit.crypto.keyutil import keyid
from wfhaudit.crypto.statement import build_statement
from wfhaudit.evaluate import evaluate
from wfhaudit.policy.loader import load_policy
from wfhaudit.report.model import build_report
from wfhaudit.store import SQLiteStore
from wfhaudit.trust.draft import accept_policy, add_device, new_draft, sign_draft
from wfhaudit.trust.file import load_trust
from wfhaudit.verify.state import MemoryStore
from wfhaudit.verify.verifier import Verifier

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
PTYPE = REPORT_PAYLOAD_TYPE.encode()
WORDS = ("inet", "link/ether", "state", "UP", "mtu", "1500", "qdisc", "fq_codel", "scope",
         "global", "dynamic", "noprefixroute", "valid_lft", "forever", "preferred_lft", "default",
         "via", "dev", "proto", "dhcp", "metric", "100", "Status:", "active", "ALLOW", "IN",
         "Anywhere", "tcp", "udp", "LISTEN", "ESTAB", "wfh-token-7f3a", "ÿ", "é", "→")


def _fast_jcs(obj: Any) -> bytes:
    # Equal to RFC 8785 for this data (ASCII/BMP keys, no integral floats); self-checked below.
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _number(rng: random.Random, lo: float, hi: float) -> float:
    value = round(rng.uniform(lo, hi), 3)
    return value + 0.001 if value.is_integer() else value


class Fleet:
    """Devices, their keys and sequence counters, a signed trust file, a report generator."""

    def __init__(self, policy_name: str, devices: int, seed: int, first: int = 0) -> None:
        self.rng = random.Random(seed)
        self.policy = load_policy(policy_name)
        self.keys = [Ed25519PrivateKey.generate() for _ in range(devices)]
        self.ids = [f"dev-{first + i:08x}" for i in range(devices)]
        self.seq = [0] * devices
        self.admin = Ed25519PrivateKey.generate()
        draft = new_draft("0.1.0")
        for key, device_id in zip(self.keys, self.ids, strict=True):
            add_device(draft, key.public_key(), device_id, NOW - dt.timedelta(days=30),
                       NOW + dt.timedelta(days=300))
        accept_policy(draft, self.policy.digest, self.policy.id)
        self.trust_bytes = sign_draft(draft, self.admin, NOW, 14)
        self.keyids = [keyid(k.public_key()) for k in self.keys]
        self.fast = True
        self.pool = EvidencePool(self.policy)

    def report(self, index: int) -> tuple[bytes, bytes, bytes, Any]:
        """(envelope bytes, PAE, signature, public key) for one new report."""
        d = index % len(self.keys)
        return self.sign(self.statement(index), d)

    def statement(self, index: int) -> dict[str, Any]:
        """A new Statement from device index % devices (its sequence moves up)."""
        d = index % len(self.keys)
        self.seq[d] += 1
        rng = self.rng
        facts, evidence = self.pool.pick(rng)
        finished = NOW - dt.timedelta(seconds=rng.randint(60, 5 * 86400))
        ev = evaluate(self.policy, facts, "linux", self.ids[d], finished.date())
        predicate = build_report(
            policy=self.policy, facts=facts, evaluation=ev,
            device={"id": self.ids[d], "name": "host-<redacted:7f3a>"},
            os_block={"family": "linux", "version": "Debian GNU/Linux 12", "release": "6.1.0",
                      "machine": "x86_64"},
            started=finished - dt.timedelta(seconds=rng.randint(5, 40)), finished=finished,
            evidence=evidence, evidence_level="full", sequence=self.seq[d],
            probes_run=["audio", "disk", "firewall", "network", "os", "vpn"])
        return build_statement(predicate, self.keys[d])

    def sign(self, statement: dict[str, Any], d: int) -> tuple[bytes, bytes, bytes, Any]:
        """Envelope, PAE, signature and public key for a Statement of device d."""
        payload = _fast_jcs(statement) if self.fast else canonical_bytes(statement)
        message = pae(PTYPE, payload)
        sig = self.keys[d].sign(message)
        envelope = _fast_jcs({"payload": base64.b64encode(payload).decode(),
                              "payloadType": REPORT_PAYLOAD_TYPE,
                              "signatures": [{"keyid": self.keyids[d],
                                              "sig": base64.b64encode(sig).decode()}]})
        return envelope, message, sig, self.keys[d].public_key()


def run(n: int, policy: str, devices: int, chunk: int, store_kind: str, seed: int,
        first_device: int = 0, memo: bool = True) -> dict[str, Any]:
    """Verify n reports in chunks; times for bare Ed25519 and the full Verifier."""
    fleet = Fleet(policy, devices, seed, first_device)
    for i in range(20):  # use the fast serialiser only where it equals RFC 8785 for this data
        statement = fleet.statement(i)
        fleet.fast = fleet.fast and _fast_jcs(statement) == canonical_bytes(statement)
    fleet.seq = [0] * devices
    tmp = tempfile.mkdtemp(prefix="verify-bench-")  # removed below
    store = SQLiteStore(Path(tmp) / "state.sqlite") if store_kind == "sqlite" else MemoryStore()
    trust = load_trust(fleet.trust_bytes, [fleet.admin.public_key()], NOW, store)
    verifier = Verifier(trust, now=NOW, store=store)
    if not memo:
        verifier.claims.memo.limit = 0
    plain = Verifier(trust, now=NOW, store=MemoryStore(), rederive=False)
    bare = full = floor = before = 0.0
    done = accepted = mismatches = 0
    sizes: list[int] = []
    while done < n:
        batch = [fleet.report(done + i) for i in range(min(chunk, n - done))]
        sizes.extend(len(b[1]) for b in batch[:50])
        for turn in ((0, 1, 2, 3) if (done // chunk) % 2 == 0 else (3, 2, 1, 0)):
            start = time.perf_counter()
            if turn == 0:
                for _, message, sig, pub in batch:
                    pub.verify(sig, message)
                bare += time.perf_counter() - start
            elif turn == 3:  # every check but re-derivation (what verify did before)
                for envelope, _, _, _ in batch:
                    plain.verify(envelope, "bench")
                before += time.perf_counter() - start
            elif turn == 2:  # no checks at all: json + base64 + verify + sha256 + json.loads
                for envelope, _, _, pub in batch:
                    env = json.loads(envelope)
                    payload = base64.b64decode(env["payload"])
                    pub.verify(base64.b64decode(env["signatures"][0]["sig"]), pae(PTYPE, payload))
                    hashlib.sha256(payload).digest()
                    json.loads(payload)
                floor += time.perf_counter() - start
            else:
                for envelope, _, _, _ in batch:
                    result = verifier.verify(envelope, "bench")
                    accepted += result.accepted
                    mismatches += bool(result.warnings)
                full += time.perf_counter() - start
        done += len(batch)
    store.close()
    shutil.rmtree(tmp, ignore_errors=True)
    memo_stats = verifier.claims.memo
    return {"n": n, "bare_s": bare, "full_s": full, "floor_s": floor, "before_s": before,
            "accepted": accepted, "mismatches": mismatches, "payload_sizes": sizes,
            "memo_hits": memo_stats.hits, "memo_misses": memo_stats.misses}


def _worker(args: tuple[int, str, int, int, str, int, int, bool]) -> dict[str, Any]:
    return run(*args)


def main() -> None:
    """Run and print a Markdown summary."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="reports to verify")
    parser.add_argument("--policy", default="baseline")
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--chunk", type=int, default=2_000)
    parser.add_argument("--store", choices=["memory", "sqlite"], default="memory")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes, each verifying n/workers reports of its own devices")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-memo", action="store_true",
                        help="re-derive every report's facts through the parsers")
    args = parser.parse_args()
    per = args.n // args.workers
    jobs = [(per, args.policy, args.devices, args.chunk, args.store, args.seed + w,
             w * args.devices, not args.no_memo) for w in range(args.workers)]
    wall = time.perf_counter()
    if args.workers == 1:
        results = [run(*jobs[0])]
    else:
        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            results = pool.map(_worker, jobs)
    wall = time.perf_counter() - wall
    n = sum(r["n"] for r in results)
    bare = sum(r["bare_s"] for r in results)
    full = sum(r["full_s"] for r in results)
    floor = sum(r["floor_s"] for r in results)
    before = sum(r["before_s"] for r in results)
    hits = sum(r["memo_hits"] for r in results)
    misses = sum(r["memo_misses"] for r in results)
    sizes = [s for r in results for s in r["payload_sizes"]]
    print(f"# verify_bench {dt.date.today()}  python {platform.python_version()}  "
          f"nproc {os.cpu_count()}  argv {' '.join(sys.argv[1:])}")
    print(f"payload (Statement JSON) bytes: min {min(sizes)}, median "
          f"{int(statistics.median(sizes))}, max {max(sizes)}")
    print("| N | workers | store | bare Ed25519 verify /s per core | Verifier.verify /s per core "
          "| ratio | same without re-derivation /s (ratio) | no-checks pipeline /s (ratio) "
          "| verify CPU s | accepted | replay memo hits/misses |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {n} | {args.workers} | {args.store} | {n / bare:,.0f} | {n / full:,.0f} | "
          f"{100 * bare / full:.1f} % | {n / before:,.0f} ({100 * bare / before:.1f} %) | "
          f"{n / floor:,.0f} ({100 * bare / floor:.0f} %) | "
          f"{full:.2f} | {sum(r['accepted'] for r in results)} | {hits}/{misses} |")
    print(f"wall time including report generation: {wall:.1f} s; verification alone on "
          f"{args.workers} core(s): {full / args.workers:.2f} s")


if __name__ == "__main__":
    main()
