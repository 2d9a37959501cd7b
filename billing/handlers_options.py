"""Signal receivers of the options catalogue; they run inside the sender's transaction and
flush only."""

from __future__ import annotations

from billing import options
from isp.signals import subscription_service_changed


@subscription_service_changed.connect
def _on_service_changed(subscription, **kwargs) -> None:
    """A terminated subscription's options end with it (docs/catalogue.md)."""
    if kwargs.get("action") == "terminate":
        options.end_options_at_termination(subscription, actor=kwargs.get("actor"))
