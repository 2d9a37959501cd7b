"""The ``isp`` console script: ``isp.cli``'s commands on the app its environment configures.

Apart from ``isp.cli`` because the factory (``isp.create_app``) registers those commands on
``app.cli`` too: the commands cannot import the factory back.
"""

from __future__ import annotations

from flask import Flask
from flask.cli import ScriptInfo

from config import config_name
from isp import create_app
from isp.cli import cli


def _create_app() -> Flask:
    return create_app(config_name())


def main() -> None:
    cli(prog_name="isp", obj=ScriptInfo(create_app=_create_app))


if __name__ == "__main__":
    main()
