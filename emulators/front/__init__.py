"""The SSH front of an emulated sparc lab: what makes it reachable exactly as real SPARC hardware.

`altio-hil lab up` on an inventory with `target: sparc` and `sparc.emulated: true` starts the lab
daemon (emulators.server) with this front:

- labdir   the lab's private directory: its layout and safe (O_NOFOLLOW) file access;
- sshd     per-lab keys, the OpenSSH server's configuration, start and (verified) stop;
- forward  TCP forwarders from the inventory's public ports to sshd's internal ones, open only while
           their system is up (ILOMs always);
- homes    each system's HOME inside the lab, the shims of the emulated commands, the agent build;
- service  the daemon's side: all of the above on the daemon's asyncio loop, plus the engine log;
- login    sshd's ForceCommand: a system's shell or command, or an ILOM;
- ilom     the ILOM command line (`-> `): power, break, host console;
- console  a domain's console (OpenBoot `ok`, boot, `console login:`), the console password;
- telnet   `telnet localhost PORT` in a control domain: the virtual console concentrator;
- terminal raw terminal I/O with escape sequences (`#.`, `~.`) and a pty relay for shells.
"""
