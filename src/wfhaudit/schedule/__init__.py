"""Scheduled checks: systemd timers, launchd jobs and Windows scheduled tasks that run `check`.

`model` says what a schedule is, `systemd`/`launchd`/`taskxml` turn it into each scheduler's
files and commands, `manage` installs, removes and describes it through Host, and `local`
fills in this machine's defaults.
"""
