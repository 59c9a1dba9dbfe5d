"""`python -m harness.cli`: the `altio-hil` command, as the console script runs it."""

import sys

from harness.cli import main

if __name__ == "__main__":
    sys.exit(main())
