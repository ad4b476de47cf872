"""`wfhaudit policy ...`: list, show, validate, schema, digest."""

from __future__ import annotations

import click

from wfhaudit.cli.output import emit_json
from wfhaudit.errors import ExitCode, PolicyError
from wfhaudit.policy.loader import DEFAULT_POLICY, bundled_names, load_policy, schema_text


@click.group()
def policy() -> None:
    """Inspect and validate policies.

    \b
    Example:
      wfhaudit policy validate my-policy.json
      wfhaudit policy show contact-center
    """


@policy.command("list")
def list_cmd() -> None:
    """List the bundled policies.

    Example: wfhaudit policy list
    """
    for name in bundled_names():
        p = load_policy(name)
        mark = " (default)" if name == DEFAULT_POLICY else ""
        click.echo(f"{name}\t{p.version}\t{len(p.rules)} rules\t{p.title}{mark}")


@policy.command()
@click.argument("ref", metavar="NAME|PATH")
def show(ref: str) -> None:
    """Print a policy fully resolved (extends, overrides and waivers applied) as JSON.

    Example: wfhaudit policy show strict
    """
    p = load_policy(ref)
    emit_json({"digest": p.digest, "extends_chain": list(p.chain), "policy": p.document()})


@policy.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
def validate(paths: tuple[str, ...]) -> None:
    """Validate policy files; every problem is printed with file and JSON path.

    Example: wfhaudit policy validate policies/*.json
    """
    problems: list[str] = []
    for path in paths:
        try:
            p = load_policy(path)
            click.echo(f"{path}: ok ({len(p.rules)} rules, {p.digest})", err=True)
        except PolicyError as exc:
            problems.extend(exc.problems)
    if problems:
        raise PolicyError(problems)


@policy.command()
def schema() -> None:
    """Print the policy JSON Schema (Draft 2020-12).

    Example: wfhaudit policy schema > policy.v1.schema.json
    """
    click.echo(schema_text().rstrip("\n"))


@policy.command()
@click.argument("ref", metavar="NAME|PATH")
def digest(ref: str) -> None:
    """Print the policy digest (SHA-256 of the RFC 8785 form of the resolved policy).

    Example: wfhaudit policy digest contact-center
    """
    click.echo(load_policy(ref).digest)


__all__ = ["ExitCode", "policy"]
