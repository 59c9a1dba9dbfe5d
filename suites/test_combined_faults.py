"""Faults on several groups and domains at once: storage on the control domain with network on the
alternate, and the reverse, and a storage fault while the alternate domain dies. The oracle decides."""

import pytest


@pytest.mark.altio_matrix("combo")
def test_combined_faults(altio_scenario, altio_play):
    altio_play(altio_scenario)
