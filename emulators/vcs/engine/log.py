"""Engine log lines as engine_A.log writes them: ``YYYY/MM/DD hh:mm:ss VCS SEVERITY V-16-1-nnnnn text``.

Timestamps are a fixed epoch plus the clock's seconds, so a virtual-time run prints the same log
for the same seed. UMIs cited in the reference captures are used verbatim (10077, 10304, 10447,
13067); the others are chosen close to the vendor's numbering and are listed here, in one place,
so that a parser or a test can name them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_EPOCH = datetime(2024, 1, 1, 0, 0, 0)

# name -> (severity, UMI). Texts are built by the callers in `Engine`.
UMI: dict[str, tuple[str, str]] = {
    "membership": ("INFO", "V-16-1-10077"),          # Received new cluster membership
    "system_state": ("NOTICE", "V-16-1-10322"),       # System S (Node 'n') changed state from A to B
    "probe_online": ("INFO", "V-16-1-10297"),        # Resource R (Owner: unknown, Group: G) is online on S (First probe)
    "probe_offline": ("INFO", "V-16-1-10304"),       # ... is offline on S (First probe)
    "res_online_vcs": ("INFO", "V-16-1-10298"),      # ... is online on S (VCS initiated)
    "res_offline_vcs": ("INFO", "V-16-1-10305"),     # ... is offline on S (VCS initiated)
    "res_online_self": ("NOTICE", "V-16-1-10299"),   # ... is online on S (Not initiated by VCS)
    "res_offline_self": ("NOTICE", "V-16-1-10307"),  # ... is offline on S (Not initiated by VCS)
    "res_intentional": ("NOTICE", "V-16-1-10308"),   # ... is offline on S (Intentional offline)
    "res_faulted": ("ERROR", "V-16-1-10303"),        # Resource R (Owner: unknown, Group: G) is FAULTED on sys S
    "res_tolerated": ("NOTICE", "V-16-1-10311"),     # ... offline monitor result tolerated (n of ToleranceLimit m)
    "res_unknown": ("WARNING", "V-16-1-10312"),      # ... state is UNKNOWN on S (monitor returned n)
    "res_online_init": ("NOTICE", "V-16-1-10301"),   # Initiating Online of Resource R (Owner: unknown, Group: G) on System S
    "res_offline_init": ("NOTICE", "V-16-1-10300"),  # Initiating Offline of Resource R ... on System S
    "res_restart": ("NOTICE", "V-16-1-10309"),       # Restarting resource R in place on S (RestartLimit)
    "res_retry": ("NOTICE", "V-16-1-10310"),         # Retrying online of R on S (OnlineRetryLimit)
    "res_timeout": ("ERROR", "V-16-1-10313"),        # R on S: entry point E timed out after n seconds
    "res_cleared": ("NOTICE", "V-16-1-10314"),       # Fault of resource R on S cleared (by command / came back online)
    "res_admin_wait": ("ERROR", "V-16-1-10316"),     # R on S is in ADMIN_WAIT (ManageFaults NONE)
    "res_no_agent": ("WARNING", "V-16-1-10318"),     # No agent registered for type T; R cannot be probed
    "ep_exception": ("ERROR", "V-16-1-10319"),       # entry point raised
    "clean_called": ("ERROR", "V-16-2-13067"),       # Agent is calling clean for resource(R) because ...
    "clean_failed": ("ERROR", "V-16-2-13068"),       # clean of R on S failed; group will not fail over
    "grp_online_init": ("NOTICE", "V-16-1-10166"),   # Initiating Online of group G on system S (reason)
    "grp_offline_init": ("NOTICE", "V-16-1-10167"),  # Initiating Offline of group G on system S (reason)
    "grp_online": ("NOTICE", "V-16-1-10447"),        # Group G is online on system S
    "grp_offline": ("NOTICE", "V-16-1-10446"),       # Group G is offline on system S
    "grp_partial": ("NOTICE", "V-16-1-10448"),       # Group G is partially online on system S
    "grp_faulted": ("ERROR", "V-16-1-10205"),        # Group G is faulted on system S
    "grp_no_target": ("ERROR", "V-16-1-10206"),      # Group G has faulted and cannot be failed over anywhere
    "grp_failover": ("NOTICE", "V-16-1-10493"),      # Group G will fail over from S to T (FailOverPolicy P)
    "grp_no_autofailover": ("NOTICE", "V-16-1-10494"),  # Group G will not fail over: AutoFailOver = 0
    "grp_frozen_fault": ("NOTICE", "V-16-1-10495"),  # Group G is frozen: no action on the fault of R
    "grp_follow": ("NOTICE", "V-16-1-10496"),        # Group P follows its child C to system T (online local hard)
    "grp_stays": ("NOTICE", "V-16-1-10497"),         # Group P stays online on system S: its child C did not fail over
    "grp_autostart": ("NOTICE", "V-16-1-10482"),     # Initiating AutoStart of group G on system S
    "grp_autorestart": ("NOTICE", "V-16-1-10483"),   # Persistent resource back online: AutoRestart of G on S
    "grp_switch": ("NOTICE", "V-16-1-10208"),        # Initiating switch of group G from S to T
    "grp_clear": ("NOTICE", "V-16-1-10233"),         # Clearing faults of group G on system S
    "grp_flush": ("NOTICE", "V-16-1-10234"),         # Flushing group G on system S
    "grp_freeze": ("NOTICE", "V-16-1-10185"),        # Group G frozen (persistent) / unfrozen
    "sys_freeze": ("NOTICE", "V-16-1-10186"),        # System S is frozen (persistent) / unfrozen
    "grp_autoenable": ("NOTICE", "V-16-1-10187"),    # Group G is autoenabled on system S
    "grp_abort": ("WARNING", "V-16-1-10235"),        # Online of G on S stopped: reason
    "concurrency": ("CRITICAL", "V-16-1-10214"),     # VCS Concurrency Violation!!! Group="G" Hosts=(s1 s2)
    "trigger_none": ("INFO", "V-16-1-10651"),        # No PREONLINE trigger registered at path P; going on
    "trigger_run": ("INFO", "V-16-1-10652"),         # Running PREONLINE trigger P for G on S
    "trigger_veto": ("NOTICE", "V-16-1-10653"),      # PREONLINE trigger P stopped the online of G on S
}


def stamp(epoch: datetime, seconds: float) -> str:
    return (epoch + timedelta(seconds=int(seconds))).strftime("%Y/%m/%d %H:%M:%S")


def format_line(epoch: datetime, seconds: float, key: str, text: str) -> str:
    """One engine-log line for the message `key` (see `UMI`) at `seconds` on the engine clock."""
    severity, umi = UMI[key]
    return f"{stamp(epoch, seconds)} VCS {severity} {umi} {text}"
