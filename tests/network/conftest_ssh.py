"""Fixtures for the SSH provisioning tests: the lab simulator in a subprocess on free ports.

Loaded with ``pytest_plugins = ["tests.network.conftest_ssh"]`` from the test module, so that
``tests/network/conftest.py`` stays with its owner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from lab.ssh_switch import SshLab, start_ssh_lab
from network.provisioning.ssh import NetmikoConfigurator, SwitchAccess

LAB_PASSWORD = "lab-Pa55word-7731"
LAB_SECRET = "en-S3cret-4402"
#: one switch per test topic, so that faults and state never leak between tests
LAB_SWITCHES = (
    "sw-provision",
    "sw-reduce",
    "sw-terminate",
    "sw-reject",
    "sw-drop",
    "sw-auth",
    "sw-batch",
    "sw-misc",
)
LEGACY_SWITCH = "sw-legacy"
#: 24 TenGigabitEthernet ports, like the demo's pb-agg-1
AGGREGATION_SWITCH = "sw-agg"


@pytest.fixture(scope="module")
def ssh_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshLab]:
    """A fresh simulator process for the module, stopped afterwards."""
    state_dir: Path = tmp_path_factory.mktemp("ssh-lab")
    lab = start_ssh_lab(
        [*LAB_SWITCHES, LEGACY_SWITCH, AGGREGATION_SWITCH],
        state_dir,
        password=LAB_PASSWORD,
        secret=LAB_SECRET,
        port_count=32,
        legacy_crypto=[LEGACY_SWITCH],
        aggregation=[AGGREGATION_SWITCH],
    )
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def switch_access(ssh_lab: SshLab) -> Callable[..., SwitchAccess]:
    """``switch_access("sw-reject", password="wrong")``: access to one lab switch."""

    def make(hostname: str, **overrides: object) -> SwitchAccess:
        access = SwitchAccess(
            hostname=hostname,
            host=ssh_lab.host,
            port=ssh_lab.port(hostname),
            device_type="cisco_ios",
            username="admin",
            password=LAB_PASSWORD,
            secret=LAB_SECRET,
        )
        return replace(access, **overrides)

    return make


@pytest.fixture
def configurator() -> NetmikoConfigurator:
    """Short timeouts: a dropped session costs read_timeout before netmiko notices."""
    return NetmikoConfigurator(
        conn_timeout=3, banner_timeout=3, read_timeout=3, save_read_timeout=5
    )
