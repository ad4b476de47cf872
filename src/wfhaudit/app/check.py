"""Use cases behind the commands: check, probe, evaluate; no click and no printing here."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wfhaudit.crypto.identity import local_identity, next_sequence, redaction_key
from wfhaudit.crypto.statement import sign_with_device_key
from wfhaudit.errors import EvidenceError, ExitCode, InvalidInputError, UsageError
from wfhaudit.evaluate import Evaluation, Verdict, evaluate
from wfhaudit.facts import CATALOGUE, FactSet
from wfhaudit.host import Evidence, LiveHost, RecordedHost
from wfhaudit.host.redact import Redactor
from wfhaudit.policy.loader import DEFAULT_POLICY, load_policy
from wfhaudit.policy.model import Policy
from wfhaudit.probes import load_probe, probe_names
from wfhaudit.probes.collect import ProbeEvents, _ignore, collect_facts
from wfhaudit.report.model import build_report
from wfhaudit.report.reading import read_report
from wfhaudit.trust.campaign import campaign_for_check
from wfhaudit.util.files import read_json, write_atomic
from wfhaudit.util.timefmt import parse_stamp, stamp


@dataclass
class CheckOptions:
    """What `wfhaudit check` was asked to do."""

    policy: str = DEFAULT_POLICY
    out_dir: Path = Path("reports")
    only: Sequence[str] = ()
    skip: Sequence[str] = ()
    record: Path | None = None
    replay: Path | None = None
    sign: bool = True
    write: bool = True
    campaign: Path | None = None
    events: ProbeEvents = _ignore
    now: Any = field(default=None)  # injectable clock for tests: () -> datetime


@dataclass
class CheckResult:
    """What a check produced: the report predicate, its evaluation and where it was written."""

    report: dict[str, Any]
    evaluation: Evaluation
    report_path: Path | None
    record_path: Path | None

    @property
    def exit_code(self) -> ExitCode:
        """0 when ready, 1 when not."""
        return ExitCode.OK if self.evaluation.verdict is Verdict.READY else ExitCode.NOT_READY


def _check_probe_names(names: Sequence[str], flag: str) -> None:
    known = set(probe_names()) | {spec.probe for spec in CATALOGUE.values()}
    bad = [n for n in names if n not in known]
    if bad:
        raise UsageError(f"{flag}: unknown probe {', '.join(bad)} (known: {', '.join(sorted(known))})")


def _skipped(only: Sequence[str], skip: Sequence[str]) -> dict[str, str]:
    all_probes = {spec.probe for spec in CATALOGUE.values()}
    skipped = dict.fromkeys(skip, "--skip")
    if only:
        skipped.update({p: "not in --only" for p in all_probes if p not in only})
    return skipped


def load_evidence(path: Path) -> Evidence:
    """Read an evidence bundle, or the evidence inside a full report."""
    data = read_json(path, "evidence bundle")
    if isinstance(data, dict) and data.get("format") != "wfhaudit-evidence/1":

        report = read_report(data, str(path))
        if report.evidence_level != "full" or report.evidence is None:
            raise EvidenceError(f"{path}: report carries no full evidence to replay "
                                f"(evidence level {report.evidence_level!r})")
        data = report.evidence
    return Evidence.from_dict(data)


def run_check(options: CheckOptions) -> CheckResult:
    """Probe this machine (or replay evidence), judge it under the policy, write the report."""
    _check_probe_names(options.only, "--only")
    _check_probe_names(options.skip, "--skip")
    clock = options.now or (lambda: dt.datetime.now(dt.timezone.utc))
    policy = load_policy(options.policy)
    campaign = None
    if options.campaign:

        campaign = campaign_for_check(options.campaign, policy.digest, local_identity().id,
                                      clock())
    started = clock()
    host: LiveHost | RecordedHost
    host = RecordedHost(load_evidence(options.replay)) if options.replay else LiveHost()
    facts = collect_facts(host, policy.needed_facts() | {"os.family", "os.version"},
                          policy.settings, _skipped(options.only, options.skip), options.events)
    finished = clock()
    identity = local_identity()
    evaluation = evaluate(policy, facts, host.os.family, identity.id, finished.date())
    evidence_level = policy.setting("report", "evidence", default="redacted")
    raw_evidence = host.evidence.to_dict()
    report = build_report(
        policy=policy, facts=facts, evaluation=evaluation,
        device={"id": identity.id, "name": identity.name},
        os_block={"family": host.os.family, "version": facts.get("os.version").value,
                  "release": host.os.release, "machine": host.os.machine},
        started=started, finished=finished,
        evidence=_evidence_for_report(raw_evidence, evidence_level, identity.name),
        evidence_level=evidence_level,
        sequence=next_sequence() if options.write else 0, campaign=campaign,
        probes_run=sorted({CATALOGUE[k].probe for k in facts.facts}))
    if options.replay:
        report["replayed_from"] = options.replay.name
    record_path = None
    if options.record:
        record_path = write_atomic(options.record, json.dumps(raw_evidence, indent=1) + "\n",
                                   mode=0o600)
    report_path = None
    if options.write:
        report_path = write_report(report, options.out_dir, sign=options.sign)
    return CheckResult(report, evaluation, report_path, record_path)


def _evidence_for_report(raw: dict[str, Any], level: str, host_name: str) -> dict[str, Any] | None:
    if level == "none":
        return None
    if level == "full":
        return raw


    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    redacted: dict[str, Any] = Redactor(redaction_key(), [host_name, user]).value(raw)
    return redacted


def report_filename(report: Mapping[str, Any]) -> str:
    """<device>.<UTC time>.wfh.json; never trusted by the verifier."""
    stamp = parse_stamp(report["finished_at"]).strftime("%Y%m%dT%H%M%SZ")
    return f"{report['device']['id']}.{stamp}.wfh.json"


def write_report(report: Mapping[str, Any], out_dir: Path, sign: bool) -> Path:
    """Write the report atomically into out_dir: a signed DSSE envelope, or plain if not sign."""
    path = out_dir / report_filename(report)
    if path.exists():
        # Two runs finished in the same second: never overwrite the earlier report.
        path = path.with_name(path.name.replace(".wfh.json", f"-{report['sequence']}.wfh.json"))
    if sign:

        return write_atomic(path, sign_with_device_key(report), mode=0o644)
    data = json.dumps(report, sort_keys=True, ensure_ascii=False, indent=1) + "\n"
    return write_atomic(path, data, mode=0o644)


def run_probes(names: Sequence[str], replay: Path | None,
               events: ProbeEvents = _ignore) -> tuple[FactSet, dict[str, Any]]:
    """Raw facts and evidence for the named probes (all when empty), no judging."""
    _check_probe_names(names, "NAME")
    wanted = set(names) if names else {spec.probe for spec in CATALOGUE.values()}
    host: LiveHost | RecordedHost
    host = RecordedHost(load_evidence(replay)) if replay else LiveHost()
    keys = [k for k, spec in CATALOGUE.items() if spec.probe in wanted]
    facts = collect_facts(host, keys, {}, None, events)
    return facts, host.evidence.to_dict()


def probe_commands(os_family: str) -> dict[str, list[list[str]]]:
    """Every command each built probe may run on an OS."""
    out = {}
    for name in probe_names():
        probe = load_probe(name)
        out[name] = [list(argv) for argv in probe.commands.get(os_family, [])]
    return out


def evaluate_file(path: Path, policy_ref: str, today: dt.date | None = None
                  ) -> tuple[Policy, Evaluation, dict[str, Any]]:
    """Re-judge a report's facts, or an evidence bundle replayed, under another policy."""
    data = read_json(path, "report or evidence")
    policy = load_policy(policy_ref)
    if isinstance(data, dict) and data.get("format") == "wfhaudit-evidence/1":
        host = RecordedHost(Evidence.from_dict(data))
        facts = collect_facts(host, policy.needed_facts() | {"os.family", "os.version"},
                              policy.settings)
        device_id, os_family = "replayed-evidence", host.os.family
        when = today or dt.datetime.now(dt.timezone.utc).date()
    else:

        report = read_report(data, str(path))
        try:
            facts = report.fact_set()
        except (KeyError, ValueError) as exc:
            raise InvalidInputError(f"{path}: $.facts: {exc}") from None
        device_id, os_family = report.device_id, report.os.family
        when = today or parse_stamp(report.finished_at).date()
    evaluation = evaluate(policy, facts, os_family, device_id, when)
    return policy, evaluation, {"facts": facts.to_dict(), "judged_at": stamp(
        dt.datetime.combine(when, dt.time(), dt.timezone.utc))}
