"""Which OS a host runs: a pure mapping from platform strings, so any OS's evidence replays anywhere."""

from __future__ import annotations

import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wfhaudit.errors import EvidenceError

OS_FAMILIES = ("linux", "macos", "windows")


def os_family(platform_name: str) -> str:
    """Map a sys.platform value to linux, macos or windows ('other' for anything else)."""
    if platform_name.startswith("linux"):
        return "linux"
    if platform_name == "darwin":
        return "macos"
    if platform_name in ("win32", "cygwin"):
        return "windows"
    return "other"


@dataclass(frozen=True)
class OsInfo:
    """OS family (drives backend choice), kernel release and machine architecture."""

    family: str
    release: str = ""
    machine: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Serialise for the evidence bundle."""
        return {"family": self.family, "release": self.release, "machine": self.machine}

    @classmethod
    def from_dict(cls, data: Any) -> OsInfo:
        """Parse the bundle's os block; the family must be one we know."""
        if not isinstance(data, Mapping):
            raise EvidenceError("evidence os must be an object with a family")
        family = data.get("family")
        if family not in OS_FAMILIES:
            raise EvidenceError(f"evidence os.family must be one of {', '.join(OS_FAMILIES)}")
        return cls(str(family), str(data.get("release", "")), str(data.get("machine", "")))


def current_os_info() -> OsInfo:
    """Describe the machine we are running on."""
    return OsInfo(os_family(sys.platform), platform.release(), platform.machine())
