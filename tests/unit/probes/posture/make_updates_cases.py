"""Build the constructed updates cases (tests/fixtures/cases/updates/*/*.json): reconstructed outputs.

Each case names where its output comes from in `source`; run this file to rewrite the cases.
"""

from __future__ import annotations

import json
from pathlib import Path

from casebuild import OUT, cmd, days, save, write

from wfhaudit.probes.updates import linux as L
from wfhaudit.probes.updates import macos as M
from wfhaudit.probes.updates import windows as W


def build() -> None:
    """Render every case of this probe into casebuild.OUT."""

    NOTE = "NOTE: This is only a simulation!\n      apt-get needs root privileges for real execution.\n      Keep also in mind that locking is deactivated,\n      so don't depend on the relevance to the real current situation!\n"
    HEAD = "Reading package lists...\nBuilding dependency tree...\nReading state information...\nCalculating upgrade...\n"
    UB = "Ubuntu:22.04/jammy-updates, Ubuntu:22.04/jammy-security"
    ubuntu = (NOTE + HEAD +
     "The following NEW packages will be installed:\n  linux-image-5.15.0-127-generic linux-modules-5.15.0-127-generic\n"
     "The following packages will be upgraded:\n  libc-bin libc6 libssl3 linux-image-generic openssl tzdata\n"
     "6 upgraded, 2 newly installed, 0 to remove and 0 not upgraded.\n"
     f"Inst libc6 [2.35-0ubuntu3.7] (2.35-0ubuntu3.8 {UB} [amd64]) [libc-bin:amd64 ]\n"
     f"Inst libc-bin [2.35-0ubuntu3.7] (2.35-0ubuntu3.8 {UB} [amd64])\n"
     f"Inst libssl3 [3.0.2-0ubuntu1.15] (3.0.2-0ubuntu1.18 {UB} [amd64])\n"
     f"Inst openssl [3.0.2-0ubuntu1.15] (3.0.2-0ubuntu1.18 {UB} [amd64])\n"
     f"Inst linux-modules-5.15.0-127-generic (5.15.0-127.137 {UB} [amd64])\n"
     f"Inst linux-image-5.15.0-127-generic (5.15.0-127.137 {UB} [amd64])\n"
     f"Inst linux-image-generic [5.15.0.126.125] (5.15.0.127.126 {UB} [amd64])\n"
     "Inst tzdata [2024a-0ubuntu0.22.04.1] (2024b-0ubuntu0.22.04.1 Ubuntu:22.04/jammy-updates [all])\n"
     f"Conf libc6 (2.35-0ubuntu3.8 {UB} [amd64])\nConf libc-bin (2.35-0ubuntu3.8 {UB} [amd64])\n"
     f"Conf libssl3 (3.0.2-0ubuntu1.18 {UB} [amd64])\nConf openssl (3.0.2-0ubuntu1.18 {UB} [amd64])\n"
     f"Conf linux-modules-5.15.0-127-generic (5.15.0-127.137 {UB} [amd64])\n"
     f"Conf linux-image-5.15.0-127-generic (5.15.0-127.137 {UB} [amd64])\n"
     f"Conf linux-image-generic (5.15.0.127.126 {UB} [amd64])\n"
     "Conf tzdata (2024b-0ubuntu0.22.04.1 Ubuntu:22.04/jammy-updates [all])\n")
    SRC_APT = ("Reconstructed in the layout apt 2.4 prints (`Inst name [installed] (candidate Label:Version/Archive, ... [arch])`, "
               "apt-pkg's pkgSimulate::Describe and VerIterator::RelStr; the same layout as the real Debian 12 capture in "
               "debian12-real-machine.json) with Ubuntu 22.04's archive names; versions illustrative")
    write("updates", "linux", "ubuntu2204-security-pending-reboot-required",
          "Ubuntu 22.04 as a non-root user: five upgrades from jammy-security (one also new kernel packages, not counted), tzdata from jammy-updates only; unattended-upgrades on; /run/reboot-required from an earlier kernel; last upgrade 2026-11-25 06:40 local (+0100)",
          SRC_APT + "; /run/reboot-required text as update-notifier writes it",
          {"updates.security_pending": 5, "updates.reboot_pending": True,
           "updates.days_since_last": days("2026-11-25T05:40:12Z"),
           "updates.os_build": {"unknown": "check os.version"}},
          [cmd(L.APT_SIM, ubuntu), cmd(L.DPKG_UNATTENDED, "ii "), cmd(L.APT_UNATTENDED, "UU='1'\n"),
           cmd(L.DPKG_LAST, "2026-11-01 06:12:01\n2026-11-25 06:40:12\n"), cmd(L.UTC_OFFSET, "+0100\n")],
          files={L.REBOOT_REQUIRED: "*** System restart required ***\n", L.REBOOT_REQUIRED + ".pkgs": "linux-image-5.15.0-126-generic\n"})

    nothing = HEAD + "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"
    boot = ["System.map-6.1.0-26-amd64", "System.map-6.1.0-27-amd64", "config-6.1.0-26-amd64", "config-6.1.0-27-amd64",
            "grub", "initrd.img-6.1.0-26-amd64", "initrd.img-6.1.0-27-amd64", "vmlinuz-6.1.0-26-amd64", "vmlinuz-6.1.0-27-amd64"]
    write("updates", "linux", "debian12-nothing-pending-log-rotated",
          "Debian 12 up to date; this month's dpkg.log has no upgrade yet, last month's (dpkg.log.1) does; running the newest installed kernel",
          "Reconstructed: apt's summary line as in the real capture (debian12-real-machine.json); awk's two-line summary as the probe's program prints it; /boot listing as a Debian 12 kernel package leaves it",
          {"updates.security_pending": 0, "updates.reboot_pending": False,
           "updates.days_since_last": days("2026-11-20T06:30:44Z")},
          [cmd(L.APT_SIM, nothing), cmd(L.DPKG_UNATTENDED, "ii "), cmd(L.APT_UNATTENDED, "UU='0'\n"),
           cmd(L.DPKG_LAST, "2026-12-01 06:25:01\n\n"), cmd(L.DPKG_LAST_OLD, "2026-11-02 06:25:02\n2026-11-20 06:30:44\n"),
           cmd(L.UTC_OFFSET, "+0000\n"), cmd(L.UNAME, "6.1.0-27-amd64\n")],
          files={L.REBOOT_REQUIRED: None, L.REBOOT_NEEDED: None}, dirs={L.BOOT: boot})

    write("updates", "linux", "debian12-apt-broken-no-upgrade-in-logs-newer-kernel",
          "apt cannot open its lists; neither dpkg log has an upgrade (dpkg.log.1 missing); a newer kernel is installed than the one running",
          "Reconstructed: apt's error text (E: lines as apt 2.6 prints them), awk's 'cannot open file' message and exit status 2, /boot as a Debian 12 kernel upgrade leaves it",
          {"updates.security_pending": {"unknown": "exited with status 100"},
           "updates.days_since_last": {"unknown": "since 2026-12-01 06:25:01"},
           "updates.reboot_pending": True},
          [cmd(L.APT_SIM, HEAD[:28], rc=100, stderr="E: Could not open file /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease - open (13: Permission denied)\nE: The package lists or status file could not be parsed or opened.\n"),
           cmd(L.DPKG_LAST, "2026-12-01 06:25:01\n\n"),
           cmd(L.DPKG_LAST_OLD, "", rc=2, stderr="awk: cannot open \"/var/log/dpkg.log.1\" (No such file or directory)\n"),
           cmd(L.UNAME, "6.1.0-26-amd64\n")],
          files={L.REBOOT_REQUIRED: None, L.REBOOT_NEEDED: None}, dirs={L.BOOT: boot})

    dnf5 = ("Name                   Type     Severity                                 Package                              Issued\n"
            "FEDORA-2026-5fa3c0e1b7 security Important             openssl-libs-1:3.2.4-2.fc41.x86_64 2026-11-21 01:08:13\n"
            "FEDORA-2026-5fa3c0e1b7 security Important                  openssl-1:3.2.4-2.fc41.x86_64 2026-11-21 01:08:13\n"
            "FEDORA-2026-93f2e1a2c4 security Moderate                       curl-8.9.1-4.fc41.x86_64 2026-11-25 02:11:45\n"
            "FEDORA-2026-93f2e1a2c4 security Moderate                    libcurl-8.9.1-4.fc41.x86_64 2026-11-25 02:11:45\n")
    rpm_times = "1764300000\n1763000000\n1764547200\n1700000000\n"  # newest 2025-12-01T00:00:00Z
    write("updates", "linux", "fedora41-dnf5-newer-kernel-installed",
          "Fedora 41 (dnf5): two advisories for four packages; newest rpm install 2025-12-01; a newer kernel installed than the one running (plus the rescue kernel)",
          "Reconstructed from dnf5's advisory list table layout (dnf5-advisory(8): Name, Type, Severity, Package, Issued) and rpm's --qf INSTALLTIME (unix seconds); kernel file names as Fedora installs them",
          {"updates.security_pending": 4, "updates.reboot_pending": True,
           "updates.days_since_last": days("2025-12-01T00:00:00Z")},
          [cmd(L.APT_SIM, error="not_found"), cmd(L.DNF_SECURITY, dnf5), cmd(L.RPM_TIMES, rpm_times),
           cmd(L.UNAME, "6.11.8-300.fc41.x86_64\n")],
          files={L.REBOOT_REQUIRED: None, L.REBOOT_NEEDED: None},
          dirs={L.BOOT: ["efi", "grub2", "initramfs-0-rescue-5a1c0f3e9b2d4e7f8a6c1b2d3e4f5a6b.img", "vmlinuz-0-rescue-5a1c0f3e9b2d4e7f8a6c1b2d3e4f5a6b",
                          "vmlinuz-6.11.8-300.fc41.x86_64", "vmlinuz-6.12.4-200.fc41.x86_64"]})

    dnf4 = ("RHSA-2026:1234 Important/Sec.  openssl-libs-1:3.0.7-29.el9_5.x86_64\n"
            "RHSA-2026:1234 Important/Sec.  openssl-1:3.0.7-29.el9_5.x86_64\n"
            "RHSA-2026:2001 Moderate/Sec.   kernel-5.14.0-503.15.1.el9_5.x86_64\n"
            "RHSA-2026:2001 Moderate/Sec.   kernel-core-5.14.0-503.15.1.el9_5.x86_64\n")
    write("updates", "linux", "rhel9-dnf4-kernel-pending-not-installed",
          "RHEL 9 (dnf 4): openssl and kernel advisories pending; the pending kernel is not installed yet, so no restart is due",
          "Reconstructed from dnf 4's `updateinfo list` layout (advisory, Severity/Sec., NEVRA) as documented in dnf(8)",
          {"updates.security_pending": 4, "updates.reboot_pending": False,
           "updates.days_since_last": days("2025-12-01T00:00:00Z")},
          [cmd(L.APT_SIM, error="not_found"), cmd(L.DNF_SECURITY, dnf4), cmd(L.RPM_TIMES, rpm_times),
           cmd(L.UNAME, "5.14.0-503.14.1.el9_5.x86_64\n")],
          files={L.REBOOT_REQUIRED: None, L.REBOOT_NEEDED: None},
          dirs={L.BOOT: ["vmlinuz-5.14.0-427.42.1.el9_4.x86_64", "vmlinuz-5.14.0-503.14.1.el9_5.x86_64"]})

    write("updates", "linux", "fedora-dnf-no-cache-as-user",
          "dnf run without root and without a metadata cache: cache-only mode refuses",
          "Reconstructed: dnf 4's message for -C without cache ('Cache-only enabled but no cache for ...'), exit status 1",
          {"updates.security_pending": {"unknown": "dnf makecache"}},
          [cmd(L.APT_SIM, error="not_found"),
           cmd(L.DNF_SECURITY, "", rc=1, stderr="Error: Cache-only enabled but no cache for 'fedora'\n"),
           cmd(L.RPM_TIMES, rpm_times), cmd(L.UNAME, "6.11.8-300.fc41.x86_64\n")],
          files={L.REBOOT_REQUIRED: None, L.REBOOT_NEEDED: None}, dirs={L.BOOT: ["vmlinuz-6.11.8-300.fc41.x86_64"]})

    zyp = ("<?xml version='1.0'?>\n<stream>\n<message type=\"info\">Loading repository data...</message>\n"
           "<message type=\"info\">Reading installed packages...</message>\n<update-status version=\"0.6\">\n<update-list>\n"
           "<update name=\"openSUSE-SLE-15.6-2026-4101\" edition=\"1\" arch=\"noarch\" status=\"needed\" category=\"security\" severity=\"important\" pkgmanager=\"false\" restart=\"false\" interactive=\"false\" kind=\"patch\">\n"
           "<summary>Security update for openssl-3</summary>\n<description>This update for openssl-3 fixes the following issues: ...</description>\n"
           "<license/>\n<source url=\"https://download.opensuse.org/update/leap/15.6/sle\" alias=\"repo-sle-update\"/>\n</update>\n"
           "<update name=\"openSUSE-SLE-15.6-2026-4188\" edition=\"1\" arch=\"noarch\" status=\"needed\" category=\"security\" severity=\"moderate\" pkgmanager=\"false\" restart=\"true\" interactive=\"false\" kind=\"patch\">\n"
           "<summary>Security update for the Linux Kernel</summary>\n<description>...</description>\n<license/>\n"
           "<source url=\"https://download.opensuse.org/update/leap/15.6/sle\" alias=\"repo-sle-update\"/>\n</update>\n"
           "</update-list>\n</update-status>\n</stream>\n")
    write("updates", "linux", "opensuse-leap156-zypper-reboot-needed",
          "openSUSE Leap 15.6: two needed security patches; zypper left /run/reboot-needed",
          "Reconstructed from zypper's --xmlout schema (update-status/update-list/update with kind, name, category attributes; zypper's xmlout.rnc) and zypper's /run/reboot-needed flag",
          {"updates.security_pending": 2, "updates.reboot_pending": True,
           "updates.days_since_last": days("2025-12-01T00:00:00Z")},
          [cmd(L.APT_SIM, error="not_found"), cmd(L.DNF_SECURITY, error="not_found"), cmd(L.ZYPPER_SECURITY, zyp),
           cmd(L.RPM_TIMES, rpm_times)],
          files={L.REBOOT_REQUIRED: None, L.REBOOT_NEEDED: ""})

    write("updates", "linux", "arch-no-supported-manager",
          "Arch Linux: no apt, dnf, zypper or rpm; /boot holds an unversioned vmlinuz-linux",
          "Synthetic: programs not found; /boot listing as Arch's linux package installs it",
          {"updates.security_pending": {"unknown": "no supported package manager"},
           "updates.days_since_last": {"unknown": "rpm is not installed"},
           "updates.reboot_pending": {"unknown": "holds no kernel like the running 6.12.4-arch1-1"}},
          [cmd(L.APT_SIM, error="not_found"), cmd(L.DNF_SECURITY, error="not_found"), cmd(L.ZYPPER_SECURITY, error="not_found"),
           cmd(L.RPM_TIMES, error="not_found"), cmd(L.UNAME, "6.12.4-arch1-1\n")],
          files={L.REBOOT_REQUIRED: None, L.REBOOT_NEEDED: None}, dirs={L.BOOT: ["amd-ucode.img", "initramfs-linux.img", "vmlinuz-linux"]})

    # ---------------- macOS
    def plist(body):
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
                '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<dict>\n' + body + '</dict>\n</plist>\n')
    def upd(name, ver, ident):
        return (f"\t\t<dict>\n\t\t\t<key>Display Name</key>\n\t\t\t<string>{name}</string>\n\t\t\t<key>Display Version</key>\n\t\t\t<string>{ver}</string>\n"
                f"\t\t\t<key>Identifier</key>\n\t\t\t<string>{ident}</string>\n\t\t\t<key>MobileSoftwareUpdate</key>\n\t\t\t<true/>\n"
                f"\t\t\t<key>Product Key</key>\n\t\t\t<string>{ident}</string>\n\t\t</dict>\n")
    sonoma_plist = plist("\t<key>AutomaticCheckEnabled</key>\n\t<true/>\n\t<key>AutomaticDownload</key>\n\t<true/>\n"
        "\t<key>LastAttemptSystemVersion</key>\n\t<string>14.7.1 (23H222)</string>\n\t<key>LastRecommendedUpdatesAvailable</key>\n\t<integer>3</integer>\n"
        "\t<key>LastSuccessfulDate</key>\n\t<date>2026-12-03T08:14:21Z</date>\n\t<key>RecommendedUpdates</key>\n\t<array>\n"
        + upd("macOS Sonoma 14.7.2", "14.7.2", "MSU_UPDATE_23H311_patch_14.7.2")
        + upd("macOS Sequoia 15.2", "15.2", "MSU_UPDATE_24C101_patch_15.2_major")
        + upd("Safari", "18.2", "062-00971") + "\t</array>\n")
    def history(items):
        return json.dumps({"SPInstallHistoryDataType": items}, indent=2)
    sonoma_hist = history([
        {"_name": "macOS Sonoma 14.7.1", "install_date": "2026-11-05T09:12:33Z", "install_version": "14.7.1", "package_source": "package_source_apple"},
        {"_name": "XProtectPlistConfigData", "install_date": "2026-12-01T03:10:00Z", "install_version": "5287", "package_source": "package_source_apple"},
        {"_name": "Microsoft Teams", "install_date": "2026-12-02T10:00:00Z", "install_version": "24295.606", "package_source": "package_source_other"},
        {"_name": "macOS Sonoma 14.6.1", "install_date": "2026-08-10T08:00:00Z", "install_version": "14.6.1", "package_source": "package_source_apple"}])
    SRC_MAC = ("Reconstructed: com.apple.SoftwareUpdate.plist keys (RecommendedUpdates items with Display Name, Display Version, Identifier, "
               "Product Key; LastSuccessfulDate) as MacAdmins scripts read them with `defaults read`, printed as XML by `plutil -convert xml1 -o -`; "
               "install history in the `system_profiler -json SPInstallHistoryDataType` layout published with real entries (_name, install_date "
               "ISO with Z, install_version, package_source)")

    write("updates", "macos", "sonoma-update-and-major-upgrade-offered",
          "macOS 14.7.1: Software Update offers 14.7.2, Safari 18.2 and the macOS 15.2 upgrade (not counted); last OS update 14.7.1 on 2026-11-05 (XProtect data on 2026-12-01 is not an OS update)",
          SRC_MAC, {"updates.security_pending": 2, "updates.days_since_last": days("2026-11-05T09:12:33Z"),
                    "updates.os_build": 1407, "updates.reboot_pending": {"unknown": "no pending-restart flag"}},
          [cmd(M.SW_VERS, "14.7.1\n"), cmd(M.SU_PLIST, sonoma_plist), cmd(M.HISTORY, sonoma_hist)], release="23.6.0")

    seq_plist = plist("\t<key>AutomaticCheckEnabled</key>\n\t<true/>\n\t<key>LastRecommendedUpdatesAvailable</key>\n\t<integer>0</integer>\n"
                      "\t<key>LastSuccessfulDate</key>\n\t<date>2026-12-04T07:02:11Z</date>\n\t<key>RecommendedUpdates</key>\n\t<array/>\n")
    seq_hist = history([
        {"_name": "MAContent10_AssetPack_0048_AlchemyPadsDigitalHolyGhost", "install_date": "2025-01-26T01:16:31Z", "install_version": "2.0.0.0", "package_source": "package_source_apple"},
        {"_name": "macOS 15.2", "install_date": "2025-01-26T01:14:30Z", "install_version": "15.2", "package_source": "package_source_apple"},
        {"_name": "Agente Exemplo", "install_date": "2026-07-22T16:40:06Z", "install_version": "8.2.1", "package_source": "package_source_other"}])
    write("updates", "macos", "sequoia-nothing-offered-but-old",
          "macOS 15.2 with nothing offered at the last check, yet the last OS update was in January 2025 (a Mac kept on an old minor: Software Update offers nothing when the offer was deferred by MDM)",
          "Install history entries as published in a real `system_profiler -json SPInstallHistoryDataType` sample (macOS 15.2, an Apple asset pack, a third-party package); Software Update plist reconstructed as in the other macOS cases",
          {"updates.security_pending": 0, "updates.days_since_last": days("2025-01-26T01:14:30Z"), "updates.os_build": 1502},
          [cmd(M.SW_VERS, "15.2\n"), cmd(M.SU_PLIST, seq_plist), cmd(M.HISTORY, seq_hist)], release="24.2.0")

    write("updates", "macos", "ventura-never-checked-plist-missing",
          "Software Update never checked (no date, no offers) on one Mac; the install history timed out",
          "Synthetic: a plist with only AutomaticCheckEnabled; system_profiler timing out",
          {"updates.security_pending": {"unknown": "no successful check"}, "updates.days_since_last": {"unknown": "did not answer in time"},
           "updates.os_build": 1307},
          [cmd(M.SW_VERS, "13.7.2\n"), cmd(M.SU_PLIST, plist("\t<key>AutomaticCheckEnabled</key>\n\t<true/>\n")),
           cmd(M.HISTORY, error="timeout")], release="22.6.0")

    write("updates", "macos", "plist-unreadable",
          "The Software Update plist does not exist (freshly installed Mac): plutil fails",
          "Reconstructed: plutil's error for a missing file (exit status 1)",
          {"updates.security_pending": {"unknown": "record is unreadable"}, "updates.os_build": 1501},
          [cmd(M.SW_VERS, "15.1\n"), cmd(M.SU_PLIST, "", rc=1, stderr="/Library/Preferences/com.apple.SoftwareUpdate.plist: file does not exist or is not readable or is not a regular file (Error Domain=NSCocoaErrorDomain Code=260 \"The file “com.apple.SoftwareUpdate.plist” couldn’t be opened because there is no such file.\")\n"),
           cmd(M.HISTORY, history([]))], release="24.1.0")

    # ---------------- Windows
    def js(o):
        return json.dumps(o, separators=(",", ":"), ensure_ascii=False) + "\r\n"
    SRC_WIN = ("Reconstructed: the JSON the probe's own PowerShell script builds, with values as Microsoft Learn documents them "
               "(CurrentBuild/UBR/DisplayVersion registry values, Get-HotFix HotFixID/InstalledOn, the WindowsUpdate RebootRequired and CBS "
               "RebootPending keys, IUpdate.KBArticleIDs/MsrcSeverity/Categories with the Windows Update category GUIDs)")
    DEF = "e0789628-ce08-4437-be74-2495b842f43b"  # Definition Updates
    SEC = "0fa1201d-4330-4fa8-8ae9-b877473b6441"  # Security Updates
    W11 = "72e7624a-5b00-45d2-b92f-e561c0a6a160"  # Windows 11 (product)
    DRV = "ebfc1fc5-71a4-4f7b-9aca-3b9a503104a0"  # Drivers
    CUMUL = "cd5ffd1e-e932-4e3a-bf74-18bf0b1bbd83"  # Updates
    write("updates", "windows", "win11-24h2-current",
          "Windows 11 24H2 build 26100.7171, November cumulative update installed on 2026-11-12, only a Defender definition update pending, no restart pending",
          SRC_WIN + "; PowerShell 5.1's {value, Count} array wrapper on hotfixes",
          {"updates.security_pending": 0, "updates.days_since_last": days("2026-11-12T12:00:00Z"), "updates.reboot_pending": False, "updates.os_build": 26100},
          [cmd(W.PS_STATUS, js({"build": 26100, "ubr": 7171, "display_version": "24H2",
                                "hotfixes": {"value": [{"id": "KB5066128", "installed": "2026-10-15"}, {"id": "KB5068861", "installed": "2026-11-12"},
                                                       {"id": "KB5054156", "installed": "2025-05-14"}], "Count": 3},
                                "reboot_wu": False, "reboot_cbs": False})),
           cmd(W.PS_SEARCH, js({"updates": [{"kb": "2267602", "severity": "", "categories": [DEF, "8c3fcc84-7410-4a95-8b89-a166a0190486"]}]}))],
          release="10")
    write("updates", "windows", "win11-23h2-security-pending-restart",
          "Windows 11 23H2 (22631.4460): two security updates pending (one by category, one by MSRC severity), a driver update (not counted), Windows Update wants a restart",
          SRC_WIN, {"updates.security_pending": 2, "updates.reboot_pending": True, "updates.os_build": 22631,
                    "updates.days_since_last": days("2026-09-10T12:00:00Z")},
          [cmd(W.PS_STATUS, "\ufeff" + js({"build": 22631, "ubr": 4460, "display_version": "23H2",
                                "hotfixes": [{"id": "KB5065431", "installed": "2026-09-10"}, {"id": "KB5062552", "installed": "2026-07-09"}],
                                "reboot_wu": True, "reboot_cbs": False})),
           cmd(W.PS_SEARCH, js({"updates": [{"kb": "5068865", "severity": "Critical", "categories": [CUMUL, W11]},
                                             {"kb": "5066837", "severity": "", "categories": [SEC, W11]},
                                             {"kb": "", "severity": "", "categories": [DRV]}]}))],
          release="10")
    write("updates", "windows", "win10-22h2-german-search-error-servicing-restart",
          "German Windows 10 22H2 (19045.6456): the Windows Update search fails (German error text, HRESULT 0x8024402C), servicing wants a restart",
          SRC_WIN + "; the German wording of the COM exception as Windows PowerShell prints it",
          {"updates.security_pending": {"unknown": "0x8024402C"}, "updates.reboot_pending": True, "updates.os_build": 19045,
           "updates.days_since_last": days("2026-06-11T12:00:00Z")},
          [cmd(W.PS_STATUS, js({"build": 19045, "ubr": 6456, "display_version": "22H2",
                                "hotfixes": [{"id": "KB5060533", "installed": "2026-06-11"}], "reboot_wu": False, "reboot_cbs": True})),
           cmd(W.PS_SEARCH, js({"search_error": "Ausnahme von HRESULT: 0x8024402C"}))],
          release="10")
    blocked = "Program 'powershell.exe' failed to run: This program is blocked by group policy. For more information, contact your system administrator.\r\n"
    write("updates", "windows", "powershell-blocked",
          "PowerShell blocked by AppLocker: nothing can be read",
          "Reconstructed: the message cmd/CreateProcess gives for a program blocked by Group Policy (as in the firewall case ps-blocked-netsh-french)",
          {"updates.security_pending": {"unknown": "exited with status 1"}, "updates.days_since_last": {"unknown": "powershell.exe"},
           "updates.reboot_pending": {"unknown": "powershell.exe"}, "updates.os_build": {"unknown": "powershell.exe"}},
          [cmd(W.PS_STATUS, "", rc=1, stderr=blocked), cmd(W.PS_SEARCH, "", rc=1, stderr=blocked)], release="10")
    write("updates", "windows", "no-clock-in-evidence",
          "An old evidence bundle without the clock reading: ages cannot be computed",
          SRC_WIN, {"updates.days_since_last": {"unknown": "time of the check"}, "updates.os_build": 26100},
          [cmd(W.PS_STATUS, js({"build": 26100, "ubr": 7171, "display_version": "24H2", "hotfixes": [{"id": "KB5068861", "installed": "2026-11-12"}],
                                "reboot_wu": False, "reboot_cbs": False})),
           cmd(W.PS_SEARCH, js({"updates": []}))], clock=False, release="10")



def render_all() -> dict[Path, str]:
    """Every constructed case of this probe: path -> file text."""
    OUT.clear()
    build()
    return dict(OUT)


if __name__ == "__main__":
    save(render_all())
