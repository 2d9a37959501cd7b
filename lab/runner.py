"""The lab network for ``make run`` / ``isp run`` / ``isp lab start``.

``start(app)`` writes the demo building's snmprec files into the instance folder, starts
snmpsim on ``LAB_SNMP_PORT`` (v2c community = hostname; SNMPv3 user ``labv3``, context =
hostname) and the IOS-like SSH switches on ``LAB_SSH_PORT_BASE + index`` for the four
access switches then the aggregation switch, and returns a function that stops both;
``ports(app)`` names those ports, for ``isp run`` to check before anything starts.
``lab/devices.py`` registers the same devices, for the demo, with the credentials below
(fictitious, lab only). The lab declares both in ``lab/__init__.py``: the core does not import it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from isp.extensions import db
from lab.snmp_lab import lab_devices_for_demo, start_snmpsim, stop_snmpsim, write_lab_snmprec
from lab.ssh_switch import load_state, seed_state, start_ssh_lab
from network.models import Device, Port
from network.provisioning.models import PortDesiredState

log = logging.getLogger(__name__)

#: The lab's SSH credentials (simulated switches only; stored encrypted by the demo).
LAB_SSH_USERNAME = "labadmin"
LAB_SSH_PASSWORD = "lab-ssh-Port-Boyer-2026"
LAB_SSH_SECRET = "lab-enable-Port-Boyer-2026"
ACCESS_SWITCHES = ("pb-sw-a", "pb-sw-b", "pb-sw-c", "pb-sw-d")
#: Served on the port after the access switches' (lab/devices.py registers it there).
AGGREGATION_SWITCH = "pb-agg-1"
LAB_SWITCHES = (*ACCESS_SWITCHES, AGGREGATION_SWITCH)


def ports(app) -> list[tuple[str, int, str]]:
    """The ports ``start`` binds on 127.0.0.1, as ``(protocol, port, label)``: snmpsim's, then
    one SSH port per switch."""
    snmp_port = int(app.config.get("LAB_SNMP_PORT", 16100))
    ssh_base = int(app.config.get("LAB_SSH_PORT_BASE", 2201))
    return [("udp", snmp_port, "lab SNMP"),
            *(("tcp", ssh_base + index, "lab SSH") for index in range(len(LAB_SWITCHES)))]


def start(app) -> Callable[[], None]:
    """Start snmpsim and the SSH lab for the demo switches; returns a stop callable."""
    snmp_port = int(app.config.get("LAB_SNMP_PORT", 16100))
    ssh_base = int(app.config.get("LAB_SSH_PORT_BASE", 2201))
    root = Path(app.instance_path) / "lab"
    data = root / "snmpsim"
    devices = lab_devices_for_demo(port=snmp_port)
    data.mkdir(parents=True, exist_ok=True)
    for stale in data.glob("*.snmprec"):
        stale.unlink()
    write_lab_snmprec(data, devices)
    snmp = start_snmpsim(data, snmp_port, cache_dir=root / "snmpsim-cache",
                         log_file=root / "snmpsim.log", probe_community=devices[0].hostname)
    try:
        _seed_switch_configs(root / "ssh")
        ssh = start_ssh_lab(LAB_SWITCHES, root / "ssh",
                            port_base=ssh_base, username=LAB_SSH_USERNAME,
                            password=LAB_SSH_PASSWORD, secret=LAB_SSH_SECRET,
                            aggregation=[AGGREGATION_SWITCH], fresh=False)
    except Exception:
        stop_snmpsim(snmp)
        raise
    log.info("Lab network: snmpsim on 127.0.0.1:%s, SSH switches on %s..%s", snmp_port,
             ssh_base, ssh_base + len(ACCESS_SWITCHES))

    def stop() -> None:
        try:
            ssh.stop()
        finally:
            stop_snmpsim(snmp)

    return stop


def _seed_switch_configs(state_dir: Path) -> None:
    """On the lab's first start, the SSH switches run what the demo database says was
    configured on them: the demo's subscriptions were provisioned "before" the demo began,
    and otherwise the first nightly reconciliation reports every subscribed port as drifted.
    Later starts keep the simulator's own state (what the demo's jobs have pushed since)."""
    if load_state(state_dir):
        return
    configs: dict[str, dict[str, dict]] = defaultdict(dict)
    for hostname, if_name, desired in db.session.execute(
            select(Device.hostname, Port.if_name, PortDesiredState.desired)
            .join(Port, Port.id == PortDesiredState.port_id)
            .join(Device, Device.id == Port.device_id)
            .where(Device.hostname.in_(LAB_SWITCHES))):
        configs[hostname][if_name] = desired
    db.session.remove()
    seed_state(state_dir, LAB_SWITCHES, configs, aggregation=[AGGREGATION_SWITCH])
