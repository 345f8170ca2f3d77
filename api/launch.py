"""The ``fieldplan`` program. Its clock starts here, before the command line and the engines
are loaded, so that a command's time limit counts its start-up too (``api.commands.clock``)."""

import time

STARTED = time.monotonic()


def main() -> None:
    """Run ``fieldplan`` with the clock started at launch."""
    from api.commands import clock

    clock.start(STARTED)
    from api.cli import app

    app()
