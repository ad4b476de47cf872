"""Windows Task Scheduler: a task definition (XML, UTF-16) for the user or for SYSTEM."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from wfhaudit.schedule.model import TASK_NAME, Account, Every, ScheduleSpec, join
from wfhaudit.schedule.plan import Control, FileOut

NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
SYSTEM_SID = "S-1-5-18"  # LocalSystem
# Any past date: the trigger is active from it on, and StartWhenAvailable catches up once.
START_DATE = "2020-01-06"  # a Monday, so weekly runs fall on Mondays like the other schedulers


def windows_quote(arg: str) -> str:
    """Quote one argument the way CommandLineToArgvW splits it back."""
    if "%" in arg:
        raise ValueError(f"Task Scheduler would expand '%' in {arg!r}; use a path without '%'")
    if arg and not any(c in arg for c in ' \t"'):
        return arg
    out, slashes = ['"'], 0
    for char in arg:
        if char == "\\":
            slashes += 1
            continue
        if char == '"':
            out.append("\\" * (2 * slashes + 1) + '"')
        else:
            out.append("\\" * slashes + char)
        slashes = 0
    out.append("\\" * (2 * slashes) + '"')
    return "".join(out)


def task_name(system: bool, account: Account) -> str:
    """SYSTEM's task, or one per user (task names are machine-wide)."""
    if system:
        return TASK_NAME
    user = re.sub(r"[^A-Za-z0-9._-]", "_", account.env.get("USERNAME", "")) or "user"
    return f"{TASK_NAME}-{user}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{NS}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def _duration(seconds: int) -> str:
    return f"PT{seconds // 3600}H" if seconds % 3600 == 0 else f"PT{seconds // 60}M"


def _trigger(triggers: ET.Element, every: Every, at: tuple[int, int]) -> None:
    delay = _duration(max(60, min(every.seconds // 10, 900) // 60 * 60))
    if every.unit in ("m", "h"):
        trig = _sub(triggers, "TimeTrigger")
        _sub(trig, "Enabled", "true")
        _sub(trig, "StartBoundary", f"{START_DATE}T00:00:00")
        rep = _sub(trig, "Repetition")
        _sub(rep, "Interval", _duration(every.seconds))
        _sub(rep, "StopAtDurationEnd", "false")
        _sub(trig, "RandomDelay", delay)
        return
    trig = _sub(triggers, "CalendarTrigger")
    _sub(trig, "Enabled", "true")
    _sub(trig, "StartBoundary", f"{START_DATE}T{at[0]:02d}:{at[1]:02d}:00")
    _sub(trig, "RandomDelay", delay)
    if every.count == 7:
        week = _sub(trig, "ScheduleByWeek")
        _sub(week, "WeeksInterval", "1")
        _sub(_sub(week, "DaysOfWeek"), "Monday")
    else:
        _sub(_sub(trig, "ScheduleByDay"), "DaysInterval", "1")


def _principal(parent: ET.Element, spec: ScheduleSpec) -> None:
    principal = _sub(_sub(parent, "Principals"), "Principal", id="Author")
    if spec.system:
        _sub(principal, "UserId", SYSTEM_SID)
        _sub(principal, "RunLevel", "HighestAvailable")
        return
    if spec.user_id:
        _sub(principal, "UserId", spec.user_id)
    _sub(principal, "LogonType", "InteractiveToken")
    _sub(principal, "RunLevel", "LeastPrivilege")


def task_element(spec: ScheduleSpec, name: str) -> ET.Element:
    """The <Task> element tree."""
    task = ET.Element(f"{{{NS}}}Task", {"version": "1.2"})
    info = _sub(task, "RegistrationInfo")
    _sub(info, "Author", "wfhaudit")
    _sub(info, "Description", spec.describe())
    _sub(info, "URI", "\\" + name)
    _trigger(_sub(task, "Triggers"), spec.every, spec.at)
    _principal(task, spec)
    settings = _sub(task, "Settings")
    for tag, value in (("MultipleInstancesPolicy", "IgnoreNew"),
                       ("DisallowStartIfOnBatteries", "false"), ("StopIfGoingOnBatteries", "false"),
                       ("StartWhenAvailable", "true"), ("RunOnlyIfNetworkAvailable", "false"),
                       ("AllowStartOnDemand", "true"), ("Enabled", "true"), ("Hidden", "false"),
                       ("ExecutionTimeLimit", "PT30M"), ("Priority", "7")):
        _sub(settings, tag, value)
    argv = spec.check_argv()
    if "%" in argv[0]:
        raise ValueError(f"Task Scheduler would expand '%' in {argv[0]!r}; use a path without '%'")
    exec_ = _sub(_sub(task, "Actions", Context="Author"), "Exec")
    _sub(exec_, "Command", argv[0])
    _sub(exec_, "Arguments", " ".join(windows_quote(a) for a in argv[1:]))
    return task


def task_bytes(spec: ScheduleSpec, name: str) -> bytes:
    """The task XML in UTF-16 with a byte-order mark, as schtasks /XML expects it."""
    ET.register_namespace("", NS)
    task = task_element(spec, name)
    ET.indent(task, "  ")
    body = ET.tostring(task, encoding="unicode")
    text = '<?xml version="1.0" encoding="UTF-16"?>\r\n' + body + "\r\n"
    return b"\xff\xfe" + text.encode("utf-16-le")


def xml_path(system: bool, account: Account) -> str:
    """Where the definition is kept for schtasks (ProgramData or the user's LocalAppData)."""
    if system:
        base = account.env.get("ProgramData", r"C:\ProgramData")
    else:
        base = account.env.get("LOCALAPPDATA") or join("windows", account.home, "AppData", "Local")
    return join("windows", base, "wfhaudit", "schedule", f"{task_name(system, account)}.xml")


def files(spec: ScheduleSpec, account: Account) -> list[FileOut]:
    """The task XML with its path."""
    name = task_name(spec.system, account)
    return [FileOut(xml_path(spec.system, account), task_bytes(spec, name), 0o644)]


def control(system: bool, account: Account) -> Control:
    """Commands: schtasks /Create /XML (replacing any earlier task), /Delete and /Query."""
    name = task_name(system, account)
    path = xml_path(system, account)
    return Control(paths=(path,),
                   activate=(("schtasks", "/Create", "/TN", name, "/XML", path, "/F"),),
                   deactivate=(("schtasks", "/Delete", "/TN", name, "/F"),),
                   query=(("schtasks", "/Query", "/TN", name, "/V", "/FO", "LIST"),))
