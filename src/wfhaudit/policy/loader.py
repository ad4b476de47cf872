"""Load policies: JSON Schema validation, semantic checks, extends/overrides/waivers resolution."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from wfhaudit.errors import InvalidInputError, PolicyError
from wfhaudit.policy.checks import parse_date, rule_problems
from wfhaudit.policy.model import Policy, Rule, Waiver
from wfhaudit.util.files import read_json
from wfhaudit.util.jsonshape import deep_merge

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "policies"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "policy.v1.schema.json"
DEFAULT_POLICY = "contact-center"
_REQUIRED_BY_DEFAULT = ("critical", "high")


def bundled_names() -> list[str]:
    """Names of the policies shipped with wfhaudit."""
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.json"))


def schema_text() -> str:
    """The policy JSON Schema as shipped."""
    return SCHEMA_PATH.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(schema_text()))


def json_path(parts: Iterable[Any]) -> str:
    """Render a jsonschema path deque as $.a[0].b."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def schema_problems(doc: Any) -> list[tuple[str, str]]:
    """Every schema violation as (json_path, message), unknown keys named precisely."""
    problems: list[tuple[str, str]] = []
    for err in sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        path = json_path(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set(err.schema.get("properties", {}))
            patterns = err.schema.get("patternProperties", {})
            if patterns:
                problems.append((path, err.message))
            else:
                problems.extend((f"{path}.{key}", "unknown key")
                                for key in sorted(k for k in err.instance if k not in allowed))
            continue
        problems.append((path, err.message))
    return problems


def resolve_ref(ref: str, base_dir: Path | None = None) -> Path:
    """Turn a policy NAME or PATH into a file path (names are bundled policies)."""
    is_path = ref.endswith(".json") or "/" in ref or "\\" in ref
    if not is_path:
        candidate = BUNDLED_DIR / f"{ref}.json"
        if candidate.is_file():
            return candidate
        raise InvalidInputError(
            f"no bundled policy named {ref!r} (bundled: {', '.join(bundled_names())})")
    path = Path(ref)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


class _Resolver:
    """Resolves one policy and its extends chain, collecting every problem before failing."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.stack: list[Path] = []
        self.loaded: dict[Path, tuple[dict[str, Any], list[str]] | None] = {}

    def problem(self, source: str, path: str, message: str) -> None:
        self.problems.append(f"{source}: {path}: {message}")

    def load(self, file: Path) -> tuple[dict[str, Any], list[str]] | None:
        """Return (merged layer, chain of ids) for a file, or None when it has problems."""
        key = file.resolve()
        if key in self.stack:
            cycle = " -> ".join(p.name for p in [*self.stack, key])
            self.problems.append(f"{file}: $.extends: cycle: {cycle}")
            return None
        if key in self.loaded:
            return self.loaded[key]
        try:
            doc = read_json(file, "policy")
        except InvalidInputError as exc:
            self.problems.append(str(exc))
            return None
        self.stack.append(key)
        try:
            # The bundled policies are schema-checked by the test suite (every one, every
            # release), so at run time they skip jsonschema, the slowest import of `check`.
            result = self.from_document(doc, str(file), file.parent,
                                        schema=key.parent != BUNDLED_DIR)
        finally:
            self.stack.pop()
        self.loaded[key] = result
        return result

    def from_document(self, doc: Any, source: str, base_dir: Path | None, schema: bool = True
                      ) -> tuple[dict[str, Any], list[str]] | None:
        """One policy layer resolved over its parents, or None when it has problems."""
        before = len(self.problems)
        if not self._checked(doc, source, schema):
            return None
        merged = self._inherit(doc, source, base_dir)
        self._own_rules(doc, source, merged, before)
        merged.settings = deep_merge(merged.settings, doc.get("settings", {}))
        self._overrides_and_waivers(doc, source, merged)
        rules = [r for r in merged.rules if r.pop("enabled", True)]
        if len(self.problems) > before:
            return None
        return {"rules": rules, "settings": merged.settings, "waivers": merged.waivers,
                "id": doc["id"], "version": doc["version"], "title": doc["title"],
                "description": doc.get("description", "")}, [*merged.chain, doc["id"]]

    def _checked(self, doc: Any, source: str, schema: bool = True) -> bool:
        """Schema, then per-rule and per-waiver checks; False when the schema failed."""
        before = len(self.problems)
        for path, message in schema_problems(doc) if schema else ():
            self.problem(source, path, message)
        if len(self.problems) > before:
            return False
        for i, rule in enumerate(doc.get("rules", [])):
            for path, message in rule_problems(rule, f"$.rules[{i}]"):
                self.problem(source, path, message)
        for i, waiver in enumerate(doc.get("waivers", [])):
            if parse_date(waiver["expires"]) is None:
                self.problem(source, f"$.waivers[{i}].expires",
                             f"{waiver['expires']!r} is not a real date")
        return True

    def _inherit(self, doc: Any, source: str, base_dir: Path | None) -> _Merged:
        """Rules, settings and waivers of every parent in `extends`, in order."""
        merged = _Merged()
        for i, ref in enumerate(doc.get("extends", [])):
            try:
                parent_file = resolve_ref(ref, base_dir)
            except InvalidInputError as exc:
                self.problem(source, f"$.extends[{i}]", str(exc))
                continue
            parent = self.load(parent_file)
            if parent is None:
                continue
            layer, parent_chain = copy.deepcopy(parent)
            merged.chain += [c for c in parent_chain if c not in merged.chain]
            known = {r["id"] for r in merged.rules}
            # A diamond (two parents sharing a grandparent) brings identical rules twice: keep
            # one. Differing rules with the same id are reported as duplicates below.
            merged.rules += [r for r in layer["rules"]
                             if r["id"] not in known or r not in merged.rules]
            merged.settings = deep_merge(merged.settings, layer["settings"])
            merged.waivers += [w for w in layer["waivers"] if w not in merged.waivers]
        return merged

    def _own_rules(self, doc: Any, source: str, merged: _Merged, before: int) -> None:
        """Append this layer's rules; an id seen before (here or inherited) is a problem."""
        seen = {r["id"] for r in merged.rules}
        for i, rule in enumerate(doc.get("rules", [])):
            if rule["id"] in seen:
                self.problem(source, f"$.rules[{i}].id",
                             f"duplicate rule id {rule['id']!r} (use overrides to change an "
                             "inherited rule)")
            seen.add(rule["id"])
            merged.rules.append(_normalise_rule(rule))
        ids = [r["id"] for r in merged.rules]
        dupes = {x for x in ids if ids.count(x) > 1}
        if dupes and len(self.problems) == before:
            self.problem(source, "$.extends", f"rule ids defined twice: {', '.join(sorted(dupes))}")

    def _overrides_and_waivers(self, doc: Any, source: str, merged: _Merged) -> None:
        """Apply this layer's overrides to the rules so far and add its waivers."""
        by_id = {r["id"]: r for r in merged.rules}
        for i, override in enumerate(doc.get("overrides", [])):
            target = by_id.get(override["rule"])
            if target is None:
                self.problem(source, f"$.overrides[{i}].rule",
                             f"no rule {override['rule']!r} to override")
                continue
            if "expect" in override:
                probs = list(rule_problems({**target, "expect": override["expect"]},
                                           f"$.overrides[{i}]"))
                for path, message in probs:
                    self.problem(source, path, message)
            target.update({k: v for k, v in override.items() if k != "rule"})
        for i, waiver in enumerate(doc.get("waivers", [])):
            if waiver["rule"] not in by_id:
                self.problem(source, f"$.waivers[{i}].rule", f"no rule {waiver['rule']!r} to waive")
            merged.waivers.append(dict(waiver))


@dataclass
class _Merged:
    """What a layer has gathered so far: rules, settings, waivers and the chain of policy ids."""

    rules: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    waivers: list[dict[str, Any]] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)


def _normalise_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(rule)
    out.setdefault("required", out["severity"] in _REQUIRED_BY_DEFAULT)
    out.setdefault("on_unknown", "fail")
    return out


def _build(layer: Mapping[str, Any], chain: list[str], source: str) -> Policy:
    rules = tuple(
        Rule(id=r["id"], title=r["title"], fact=r["fact"], expect=r["expect"],
             severity=r["severity"], required=bool(r["required"]), on_unknown=r["on_unknown"],
             platforms=tuple(r["platforms"]) if "platforms" in r else None,
             when=r.get("when"), remediation=r.get("remediation", {}),
             rationale=r.get("rationale", ""), references=tuple(r.get("references", ())))
        for r in layer["rules"])
    waivers = tuple(
        Waiver(rule=w["rule"], reason=w["reason"], expires=parse_date(w["expires"]) or _never(),
               devices=tuple(w["devices"]) if "devices" in w else None,
               approved_by=w.get("approved_by", ""))
        for w in layer["waivers"])
    return Policy(id=layer["id"], version=layer["version"], title=layer["title"], rules=rules,
                  waivers=waivers, settings=layer["settings"], description=layer["description"],
                  chain=tuple(chain), source=source)


def _never() -> Any:
    raise AssertionError("waiver dates are validated before building")  # pragma: no cover


def _finish(resolver: _Resolver, result: tuple[dict[str, Any], list[str]] | None,
            source: str) -> Policy:
    if result is None or resolver.problems:
        raise PolicyError(resolver.problems or [f"{source}: $: policy could not be loaded"])
    layer, chain = result
    if not layer["rules"]:
        raise PolicyError([f"{source}: $.rules: policy has no rules; an empty policy would pass "
                           "every device"])
    return _build(layer, chain, source)


def load_policy(ref: str) -> Policy:
    """Load a policy by bundled NAME or PATH, resolving extends; raise PolicyError on problems."""
    file = resolve_ref(ref)
    resolver = _Resolver()
    return _finish(resolver, resolver.load(file), str(file))


def load_policy_document(doc: Any, source: str) -> Policy:
    """Load a policy from an in-memory document (e.g. the resolved policy inside a report)."""
    resolver = _Resolver()
    if isinstance(doc, Mapping) and doc.get("extends"):
        raise PolicyError([f"{source}: $.extends: an embedded policy must be resolved"])
    return _finish(resolver, resolver.from_document(doc, source, None), source)
