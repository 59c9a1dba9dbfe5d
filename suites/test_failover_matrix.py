"""The seed's failover table (S1-S4, N1-N4, D1-D4) for every node, service group and alternate domain.

Scenarios come from the lab's main.cf and inventory (harness.scenarios.failover_matrix); the oracle
decides what each must do. Run with the legacy primary-only monitor, S2 and N2 must fail.
"""

import pytest


@pytest.mark.altio_matrix("failover")
def test_failover_table(altio_scenario, altio_play):
    altio_play(altio_scenario)
