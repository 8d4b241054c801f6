"""Run ``fundamentals`` and SIGKILL it from inside at a chosen SQL statement.

    python -m tests.estate_killer STATEMENT_PREFIX N fundamentals-args...   # from the repo root

The process kills itself just before the N-th statement starting with STATEMENT_PREFIX (e.g.
``INSERT INTO target_run``) reaches the database — that is, in the middle of a transaction,
the hardest moment to survive. Nothing is cleaned up: SIGKILL cannot be caught.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine


def main() -> None:
    prefix, nth, args = sys.argv[1].upper(), int(sys.argv[2]), sys.argv[3:]
    seen = [0]
    lock = threading.Lock()

    @event.listens_for(Engine, "before_cursor_execute")
    def _maybe_die(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith(prefix):
            with lock:
                seen[0] += 1
                if seen[0] >= nth:
                    os.kill(os.getpid(), signal.SIGKILL)

    from scanner.cli import cli

    cli.main(args=args, prog_name="fundamentals")


if __name__ == "__main__":
    main()
