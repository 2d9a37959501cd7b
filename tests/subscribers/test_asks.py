"""Subscribers reads mediation and billing through the providers they declare (issue 17.1)."""

from __future__ import annotations

import inspect
import re

import pytest

from isp import registry
from subscribers import asks


def _asked_names() -> list[str]:
    return re.findall(r'provider\("(\w+)"\)', inspect.getsource(asks))


def test_every_read_subscribers_asks_for_has_exactly_one_provider(app):
    names = _asked_names()
    assert len(names) >= 10
    for name in names:
        assert callable(registry.provider(name)), name


def test_a_read_nobody_provides_is_refused_by_name(app):
    with pytest.raises(LookupError, match="0 domains provide 'no_such_read'"):
        registry.provider("no_such_read")
