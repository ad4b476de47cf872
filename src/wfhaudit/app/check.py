"""Use cases behind the commands: check, probe, evaluate; no click and no printing here."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wfhaudit.app.evidence_facts import carried_evidence
from wfhaudit.app.keys import device_signer
from wfhaudit.crypto.device_key import private_key_path
from wfhaudit.crypto.identity import local_identity, next_sequence, redaction_key
from wfhaudit.crypto.statement import sign_report
from wfhaudit.errors import EvidenceError, ExitCode, InvalidInputError, UsageError
from wfhaudit.evaluate import Evaluation, Verdict, evaluate
from wfhaudit.facts import CATALOGUE, FactSet
from wfhaudit.host import Evidence, LiveHost, RecordedHost
from wfhaudit.host.session import invoking_user, running_as_root
from wfhaudit.policy.loader import DEFAULT_POLICY, load_policy
from wfhaudit.policy.model import Policy
from wfhaudit.probes import load_probe, probe_names
from wfhaudit.probes.collect import ProbeEvents, _ignore, collect_facts
from wfhaudit.report.model import build_report
from wfhaudit.report.reading import read_report
from wfhaudit.trust.campaign import campaign_for_check
from wfhaudit.util.files import (
    check_writable_folder,
    create_new,
    read_json,
    sweep_temp_files,
    write_atomic,
)
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
    new_identity: str | None = None  # the device id, when this run created the device's key
    needs_admin: tuple[str, ...] = ()  # facts unknown only because the run was not root
    session_user: str | None = None  # whose audio session a root run read (sudo/pkexec)

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
    if options.replay and options.campaign:
        raise UsageError("--campaign cannot be used with --replay: replayed evidence is not a "
                         "live check, so it can never answer IT's campaign")
    policy = load_policy(options.policy)
    had_key = private_key_path().exists()
    _prepare_state(options, policy)
    campaign = None
    if options.campaign:

        campaign = campaign_for_check(options.campaign, policy.digest, local_identity().id,
                                      clock())
    started = clock()
    host: LiveHost | RecordedHost
    host = RecordedHost(load_evidence(options.replay)) if options.replay \
        else LiveHost(session=invoking_user())
    facts = collect_facts(host, policy.needed_facts() | {"os.family", "os.version"},
                          policy.settings, _skipped(options.only, options.skip), options.events)
    finished = clock()
    identity = local_identity()
    evidence_level = policy.setting("report", "evidence", default="redacted")
    raw_evidence = host.evidence.to_dict()
    # The signed facts are the ones the carried evidence gives (IT's verifier re-derives them).
    carried = carried_evidence(facts, raw_evidence, evidence_level, policy.settings, identity.name,
                               [host.session.name] if host.session else [])
    facts = carried.facts
    evaluation = evaluate(policy, facts, host.os.family, identity.id, finished.date())
    report = build_report(
        policy=policy, facts=facts, evaluation=evaluation,
        device={"id": identity.id, "name": identity.name},
        os_block={"family": host.os.family, "version": facts.get("os.version").value,
                  "release": host.os.release, "machine": host.os.machine},
        started=started, finished=finished, evidence=carried.evidence,
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
    created = options.write and options.sign and not had_key and private_key_path().exists()
    return CheckResult(report, evaluation, report_path, record_path,
                       new_identity=identity.id if created else None,
                       needs_admin=needs_admin(facts) if host.is_live and not running_as_root()
                       else (),
                       session_user=host.session.describe() if host.session else None)


def _prepare_state(options: CheckOptions, policy: Policy) -> None:
    """Before probing: the output folders are writable and this device's state files exist.

    A problem found here (full disk, read-only folder, damaged state file) ends the check
    with exit 3 before any probe runs, instead of after a minute of probing.
    """
    if options.write:
        check_writable_folder(options.out_dir, "--out")
        sweep_temp_files(options.out_dir)
    if options.record:
        check_writable_folder(options.record.parent, "--record")
    local_identity()
    if options.write and options.sign:
        device_signer()  # the TPM key, or the file key (created on the first run)
    if policy.setting("report", "evidence", default="redacted") == "redacted":
        redaction_key()


# Probes end the reason of a fact only root can read with this advice (see probes/).
_ROOT_ADVICE = "with sudo"


def needs_admin(facts: FactSet) -> tuple[str, ...]:
    """Keys of the unknown facts a run with admin rights (sudo) would read."""
    return tuple(sorted(k for k, f in facts.facts.items()
                        if not f.is_known and _ROOT_ADVICE in (f.reason or "")))


SIGNED_SUFFIX, UNSIGNED_SUFFIX = ".wfh.json", ".wfh.unsigned.json"


def report_filename(report: Mapping[str, Any], signed: bool = True) -> str:
    """<device>.<sequence, 8 digits>.<UTC time>.wfh.json (.wfh.unsigned.json when not signed).

    The zero-padded sequence comes first so that a folder listed in name order is in sequence
    order whatever the clock did, which is the order `wfhaudit verify` expects; an unsigned
    report can never be mistaken for a signed one.
    """
    when = parse_stamp(report["finished_at"]).strftime("%Y%m%dT%H%M%SZ")
    suffix = SIGNED_SUFFIX if signed else UNSIGNED_SUFFIX
    return f"{report['device']['id']}.{int(report['sequence']):08d}.{when}{suffix}"


def write_report(report: Mapping[str, Any], out_dir: Path, sign: bool) -> Path:
    """Write the report into out_dir: complete or not at all, never over another file.

    A signed DSSE envelope, or plain JSON if not sign.
    """
    if sign:
        data = sign_report(report, device_signer())
    else:
        data = (json.dumps(report, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode()
    name = report_filename(report, sign)
    suffix = SIGNED_SUFFIX if sign else UNSIGNED_SUFFIX
    path = out_dir / name
    for n in range(2, 1000):
        if create_new(path, data, mode=0o644):
            return path
        # Only when the sequence file was reset by hand: keep the earlier report.
        path = out_dir / name.replace(suffix, f"-{n}{suffix}")
    raise InvalidInputError(f"{out_dir}: too many reports named {name}")


def run_probes(names: Sequence[str], replay: Path | None,
               events: ProbeEvents = _ignore) -> tuple[FactSet, dict[str, Any]]:
    """Raw facts and evidence for the named probes (all when empty), no judging."""
    _check_probe_names(names, "NAME")
    wanted = set(names) if names else {spec.probe for spec in CATALOGUE.values()}
    host: LiveHost | RecordedHost
    host = RecordedHost(load_evidence(replay)) if replay else LiveHost(session=invoking_user())
    keys = [k for k, spec in CATALOGUE.items() if spec.probe in wanted]
    facts = collect_facts(host, keys, {}, None, events)
    return facts, host.evidence.to_dict()


def probe_commands(os_family: str) -> dict[str, list[list[str]]]:
    """Every command each built probe may run on an OS."""
    out = {}
    for name in probe_names():
        probe = load_probe(name)
        out[name] = [list(argv) for argv in probe.commands(os_family)]
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
