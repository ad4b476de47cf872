"""Fleet aggregation at scale: `wfhaudit aggregate` over N generated signed reports.

Generates N signed reports (5-10 KB envelopes: the resolved baseline policy, facts, findings
from the real evaluator, redacted-style evidence) from N/10 devices enrolled in a signed trust
file, using the real signing code (DSSE envelope, Ed25519 over PAE) in parallel, into a cache
folder reused for a day. Then runs the real CLI in a subprocess with JSON + JUnit + HTML
outputs and records wall time, reports/s, peak memory (RSS of the whole process tree, sampled,
and the largest single process), output sizes, and the ratio to the bare Ed25519 verify rate
of the same payloads on all cores.

    .venv/bin/python bench/aggregate_bench.py --n 100000
    .venv/bin/python bench/aggregate_bench.py --n 20000 --db      # with history (SQLite)
    .venv/bin/python bench/aggregate_bench.py --sizes 1000,10000,100000   # growth table

The bare Ed25519 rate is measured just before and just after the aggregate run on a sample
of the same payloads, and the ratio uses their mean (the machine may be shared).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from evidence_pool import EvidencePool

from wfhaudit.crypto.canonical import canonical_bytes
from wfhaudit.crypto.dsse import REPORT_PAYLOAD_TYPE, pae
from wfhaudit.crypto.keyutil import keyid, spki_der
from wfhaudit.crypto.statement import build_statement
from wfhaudit.evaluate import evaluate
from wfhaudit.facts import FactSet
from wfhaudit.policy.loader import load_policy
from wfhaudit.report.model import build_report
from wfhaudit.trust.draft import accept_policy, new_draft, public_pem, sign_draft
from wfhaudit.util.timefmt import stamp

PTYPE = REPORT_PAYLOAD_TYPE.encode()
PER_FOLDER = 1000
WORDS = ("inet", "link/ether", "state", "UP", "mtu", "1500", "qdisc", "fq_codel", "scope",
         "global", "dynamic", "valid_lft", "forever", "default", "via", "dev", "proto", "dhcp",
         "metric", "100", "Status:", "active", "ALLOW", "IN", "Anywhere", "tcp", "udp", "é", "→")


def device_key(seed: int, index: int) -> Ed25519PrivateKey:
    """Deterministic device key, so a cached fleet needs no stored private keys."""
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"wfh-aggregate-bench/{seed}/{index}".encode()).digest())


def _jcs_numbers(obj: Any, odd: list[bool]) -> Any:
    """obj with whole floats as ints (RFC 8785 writes 4.0 as 4); odd[0] set for exponent forms."""
    kind = type(obj)
    if kind is float:
        if obj.is_integer() and abs(obj) < 1e16:
            return int(obj)
        if "e" in repr(obj):
            odd[0] = True
        return obj
    if kind is dict:
        return {k: _jcs_numbers(v, odd) for k, v in obj.items()}
    if kind is list:
        return [_jcs_numbers(v, odd) for v in obj]
    return obj


def fast_jcs(obj: Any) -> bytes:
    """json.dumps form, equal to RFC 8785 here (checked against rfc8785 at start); a number
    json.dumps would write in exponent form sends that object through rfc8785 itself."""
    odd = [False]
    plain = _jcs_numbers(obj, odd)
    if odd[0]:
        return canonical_bytes(obj)
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _number(rng: random.Random, lo: float, hi: float) -> float:
    value = round(rng.uniform(lo, hi), 2)
    return value + 0.01 if value.is_integer() else value


_POOLS: dict[str, EvidencePool] = {}


def _facts_and_evidence(policy: Any, rng: random.Random) -> tuple[FactSet, dict[str, Any] | None]:
    """Facts as `check` signs them; 40 % of reports carry the evidence they come from."""
    pool = _POOLS.get(policy.digest)
    if pool is None:
        pool = _POOLS[policy.digest] = EvidencePool(policy)
    facts, bundle = pool.pick(rng)
    return facts, (bundle if rng.random() >= 0.6 else None)


def _statement(policy: Any, key: Ed25519PrivateKey, device_id: str, seq: int,
               finished: dt.datetime, rng: random.Random) -> dict[str, Any]:
    facts, evidence = _facts_and_evidence(policy, rng)
    ev = evaluate(policy, facts, "linux", device_id, finished.date())
    predicate = build_report(
        policy=policy, facts=facts, evaluation=ev,
        device={"id": device_id, "name": f"host-<redacted:{rng.randint(0, 65535):04x}>"},
        os_block={"family": "linux", "version": "Debian GNU/Linux 12", "release": "6.1.0",
                  "machine": "x86_64"},
        started=finished - dt.timedelta(seconds=rng.randint(5, 40)), finished=finished,
        evidence=evidence, evidence_level="full" if evidence else "none", sequence=seq,
        probes_run=["disk", "firewall", "location", "network", "os", "vpn"])
    return build_statement(predicate, key)


def _envelope(payload: bytes, key: Ed25519PrivateKey, kid: str) -> bytes:
    sig = key.sign(pae(PTYPE, payload))
    return fast_jcs({"payload": base64.b64encode(payload).decode(),
                     "payloadType": REPORT_PAYLOAD_TYPE,
                     "signatures": [{"keyid": kid, "sig": base64.b64encode(sig).decode()}]})


def _generate_folder(args: tuple[str, int, int, int, int, str, str]) -> int:
    """Write reports [start, start+count) into one folder; report i is from device i % D."""
    out, start, count, devices, seed, policy_name, now_text = args
    now = dt.datetime.fromisoformat(now_text)
    policy = load_policy(policy_name)
    rng = random.Random(seed * 1_000_003 + start)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    keys: dict[int, tuple[Ed25519PrivateKey, str]] = {}
    for i in range(start, start + count):
        d = i % devices
        if d not in keys:
            key = device_key(seed, d)
            keys[d] = (key, keyid(key.public_key()))
        key, kid = keys[d]
        seq = i // devices + 1
        finished = now - dt.timedelta(hours=6 * (20 - seq), seconds=rng.randint(60, 3600))
        statement = _statement(policy, key, f"dev-{d:06d}", seq, finished, rng)
        data = _envelope(fast_jcs(statement), key, kid)
        if i % 1000 == 999:  # one in a thousand tampered after signing
            env = json.loads(data)
            body = base64.b64decode(env["payload"]).replace(b'"status":"observed"',
                                                            b'"status":"observed" ', 1)
            env["payload"] = base64.b64encode(body).decode()
            data = json.dumps(env).encode()
        (folder / f"dev-{d:06d}.{seq:04d}.wfh.json").write_bytes(data)
    return count


def generate(root: Path, n: int, devices: int, seed: int, policy_name: str, jobs: int) -> float:
    """Trust file, admin pin and N report files under root (cached for a day)."""
    manifest = root / "manifest.json"
    want = {"n": n, "devices": devices, "seed": seed, "policy": policy_name, "format": 3}
    if manifest.exists():
        have = json.loads(manifest.read_text())
        age = time.time() - have.get("created", 0)
        if {k: have.get(k) for k in want} == want and age < 86400:
            return 0.0
    if root.exists():  # an old fleet, or one a killed run left half-written
        shutil.rmtree(root)
    started = time.perf_counter()
    root.mkdir(parents=True)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    policy = load_policy(policy_name)
    # Self-check: the fast serialiser gives the RFC 8785 bytes for this data.
    rng = random.Random(seed)
    for i in range(20):
        st = _statement(policy, device_key(seed, i), f"dev-{i:06d}", 1, now, rng)
        if fast_jcs(st) != canonical_bytes(st):
            raise SystemExit("fast JCS differs from RFC 8785 for this data")
    admin = Ed25519PrivateKey.generate()
    draft = new_draft("0.1.0")
    for d in range(devices):  # the add_device entry format, built directly (it is O(n) per add)
        pub = device_key(seed, d).public_key()
        draft["devices"].append({"deviceId": f"dev-{d:06d}", "keys": [{
            "keyid": keyid(pub), "alg": "ed25519",
            "spki": base64.b64encode(spki_der(pub)).decode(), "storage": "software",
            "notBefore": stamp(now - dt.timedelta(days=30)),
            "notAfter": stamp(now + dt.timedelta(days=300))}]})
    accept_policy(draft, policy.digest, policy.id)
    (root / "trust.json").write_bytes(sign_draft(draft, admin, now, 14))
    (root / "wfhaudit-admin.pub").write_text(public_pem(admin))
    tasks = [(str(root / "reports" / f"{start // PER_FOLDER:04d}"), start,
              min(PER_FOLDER, n - start), devices, seed, policy_name, now.isoformat())
             for start in range(0, n, PER_FOLDER)]
    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        done = sum(pool.imap_unordered(_generate_folder, tasks))
    if done != n:
        raise SystemExit(f"generated {done} of {n} reports")
    manifest.write_text(json.dumps({**want, "created": time.time()}))
    return time.perf_counter() - started


def _bare_sample(paths: list[str]) -> list[tuple[bytes, bytes, bytes]]:
    out = []
    for p in paths:
        env = json.loads(Path(p).read_bytes())
        payload = base64.b64decode(env["payload"])
        out.append((pae(PTYPE, payload), base64.b64decode(env["signatures"][0]["sig"]),
                    payload))
    return out


def _bare_worker(args: tuple[list[str], int, str]) -> tuple[int, float]:
    """Ed25519 verifications per second of the sample (key objects cached), one process."""
    paths, seed, trust = args
    del trust
    sample = _bare_sample(paths)
    keys = {}
    for p in paths:
        d = int(Path(p).name[4:10])
        keys[p] = device_key(seed, d).public_key()
    items = [(keys[p], m, s) for p, (m, s, _) in zip(paths, sample, strict=True)]
    start = time.perf_counter()
    for key, message, sig in items:
        with contextlib.suppress(InvalidSignature):  # the tampered ones fail, as they should
            key.verify(sig, message)
    return len(items), time.perf_counter() - start


def bare_rate(root: Path, seed: int, jobs: int, sample: int) -> tuple[float, float]:
    """(verifications/s on one core, on `jobs` cores at once) over the same payloads."""
    files = sorted(str(p) for p in (root / "reports").rglob("*.wfh.json"))[:sample]
    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        one = pool.map(_bare_worker, [(files, seed, "")])[0]
        both = pool.map(_bare_worker, [(files, seed, "")] * jobs)
    per_core = one[0] / one[1]
    return per_core, sum(n / t for n, t in both)


def run_aggregate(root: Path, out: Path, jobs: int, db: bool) -> dict[str, Any]:
    """Run the CLI in a subprocess; wall time and memory of its process tree."""
    cmd = [sys.executable, "-m", "wfhaudit", "aggregate", str(root / "reports"),
           "--trust", str(root / "trust.json"), "--allow-rejected", "--jobs", str(jobs),
           "--json", str(out / "fleet.json"), "--junit", str(out / "fleet.xml"),
           "--html", str(out / "fleet.html")]
    if db:
        cmd += ["--db", str(out / "fleet.sqlite")]
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ps = psutil.Process(proc.pid)
    peak_tree = peak_one = 0
    while True:
        # wait4 gives the CPU time and peak RSS of the whole tree (its workers were waited for).
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        try:
            rss = [p.memory_info().rss for p in (ps, *ps.children(recursive=True))]
            peak_tree, peak_one = max(peak_tree, sum(rss)), max(peak_one, *rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    return {"cmd": cmd, "wall": wall, "exit": proc.returncode, "peak_tree": peak_tree,
            "peak_one": max(peak_one, usage.ru_maxrss * 1024), "stderr": err,
            "cpu": usage.ru_utime + usage.ru_stime, "load": load}


def measure(root: Path, n: int, devices: int, args: argparse.Namespace) -> dict[str, Any]:
    """Generate (or reuse) one fleet and time aggregate over it, with the bare rate around it."""
    gen_s = generate(root, n, devices, args.seed, args.policy, args.jobs)
    sizes = [p.stat().st_size for p in sorted((root / "reports").rglob("*.wfh.json"))[:2000]]
    sample = min(args.bare_sample, n)
    before = bare_rate(root, args.seed, args.jobs, sample)
    out = Path(tempfile.mkdtemp(prefix="wfh-aggregate-bench-out-"))
    res = run_aggregate(root, out, args.jobs, args.db)
    # The machine is shared: measure the bare rate before and after, and use the mean.
    after = bare_rate(root, args.seed, args.jobs, sample)
    if res["exit"] not in (0, 1):
        print(res["stderr"], file=sys.stderr)
        raise SystemExit(f"aggregate exited {res['exit']}")
    doc = json.loads((out / "fleet.json").read_text())
    mb = 1024 * 1024
    res.update(n=n, devices=devices, gen_s=gen_s, sizes=sizes, doc=doc,
               per_core=(before[0] + after[0]) / 2, all_cores=(before[1] + after[1]) / 2,
               html_mb=(out / "fleet.html").stat().st_size / mb,
               junit_mb=(out / "fleet.xml").stat().st_size / mb,
               json_mb=(out / "fleet.json").stat().st_size / mb)
    shutil.rmtree(out)
    return res


def _row(res: dict[str, Any], jobs: int) -> str:
    mb = 1024 * 1024
    rate = res["n"] / res["wall"]
    return (f"| {res['n']:,} | {res['devices']:,} | {jobs} | {res['wall']:.1f} | {rate:,.0f} | "
            f"{res['per_core']:,.0f} / {res['all_cores']:,.0f} | "
            f"{100 * rate / res['all_cores']:.1f} % | {res['peak_tree'] / mb:.0f} | "
            f"{res['peak_one'] / mb:.0f} | {1000 * res['cpu'] / res['n']:.3f} | "
            f"{res['html_mb']:.2f} | {res['junit_mb']:.2f} | {res['json_mb']:.2f} | "
            f"{res['load']:.2f} |")


def main() -> None:
    """Generate (or reuse), measure, print a Markdown summary (one row per fleet size)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="reports to aggregate")
    parser.add_argument("--devices", type=int, help="devices (default n/10)")
    parser.add_argument("--sizes", help="comma-separated fleet sizes, each N reports from N "
                        "devices (a growth table), instead of --n/--devices")
    parser.add_argument("--policy", default="baseline")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--dir", type=Path, help="cache folder for the generated fleet "
                        "(with --sizes: the parent of one folder per size)")
    parser.add_argument("--db", action="store_true", help="also keep history (--db)")
    parser.add_argument("--bare-sample", type=int, default=20_000)
    args = parser.parse_args()
    if args.sizes:
        plan = [(int(x), int(x)) for x in args.sizes.split(",")]
    else:
        plan = [(args.n, args.devices or max(1, args.n // 10))]
    base = args.dir if args.sizes else None
    print(f"# aggregate_bench {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M}Z  "
          f"python {platform.python_version()}  {platform.machine()}  "
          f"nproc {os.cpu_count()}  cpu {_cpu()}")
    results = []
    for n, devices in plan:
        default = Path(tempfile.gettempdir()) / f"wfh-aggregate-bench-{n}-{devices}"
        root = (base / f"fleet-{n}-{devices}") if base else (args.dir or default)
        res = measure(root, n, devices, args)
        results.append(res)
        sizes, doc = res["sizes"], res["doc"]
        print(f"command: {' '.join(res['cmd'][1:])}")
        print(f"fleet: {n} reports from {devices} devices; envelope bytes min {min(sizes)}, "
              f"median {int(statistics.median(sizes))}, max {max(sizes)}; generated in "
              f"{res['gen_s']:.1f} s" + (" (cached)" if res["gen_s"] == 0 else ""))
        print(f"result: exit {res['exit']}, decided by {doc['gate']['decided_by']}; "
              f"accepted {doc['counts']['accepted']}, rejected {doc['counts']['rejected']}, "
              f"devices ready {doc['counts']['devices_ready']}/"
              f"{doc['counts']['devices_expected']}; CPU time of the process tree "
              f"{res['cpu']:.1f} s", flush=True)
    print("| reports | devices | jobs | wall s | reports/s | bare Ed25519 verify/s (1 core / "
          "all cores) | ratio to bare (all cores) | peak RSS tree MB | peak RSS one process MB "
          "| CPU ms per report | HTML MB | JUnit MB | JSON MB | load at start |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for res in results:
        print(_row(res, args.jobs))


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    main()
