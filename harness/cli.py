"""The `altio-hil` command (placeholder until the harness lands)."""


def main() -> int:
    return 0
