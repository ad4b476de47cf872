"""OS backends imported on first use, so a check on Linux never imports the macOS or Windows code."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.platform_info import OS_FAMILIES
from wfhaudit.probes.base import Backend, ProbeContext


def _module(package: str, family: str) -> Any:
    return importlib.import_module(f"{package}.{family}")


def backends(package: str) -> dict[str, Backend]:
    """One backend per OS family, each importing `package.<family>` when it first runs."""
    def backend(family: str) -> Backend:
        def collect(ctx: ProbeContext) -> Sequence[Fact]:
            result: Sequence[Fact] = _module(package, family).collect(ctx)
            return result
        return collect

    return {family: backend(family) for family in OS_FAMILIES}


class Commands(Mapping[str, Sequence[Sequence[str]]]):
    """`package.<family>.COMMANDS` per OS family, imported only when asked for."""

    def __init__(self, package: str) -> None:
        self._package = package

    def __getitem__(self, family: str) -> Sequence[Sequence[str]]:
        """The commands of one OS family's backend (imports it)."""
        if family not in OS_FAMILIES:
            raise KeyError(family)
        commands: Sequence[Sequence[str]] = _module(self._package, family).COMMANDS
        return commands

    def __iter__(self) -> Iterator[str]:
        """Every OS family."""
        return iter(OS_FAMILIES)

    def __len__(self) -> int:
        """How many OS families."""
        return len(OS_FAMILIES)
