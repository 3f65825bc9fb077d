"""The `newsdesk` command: thin verbs over the pipeline, the store and the stages, on click.

One root group; each family of verbs is a module here with its `COMMANDS`: build.py (ingest, build, check),
serve.py (serve, demo, export), auth.py (token), batch.py (summarize, cluster, facts, places, extract), feeds.py
(feeds add|list|import|export, watch), eval.py (eval cluster|facts|summarize). The global options `--db` and `-q`
go before or after the verb (base.py).

Exit status: 0 when every input was used, 1 when some inputs failed (each named on stderr), 2 on usage errors.
This module's root group is the one error handler: a `NewsdeskError` a verb lets out is printed as
`newsdesk: <message>` and exits with its `exit_status`; any other exception is a bug and keeps its traceback.
"""
from __future__ import annotations

import sqlite3

import click

from .. import __version__
from ..errors import NewsdeskError
from . import auth, batch, build, feeds, serve
from . import eval as eval_verbs  # the module named after its verb; `eval` would hide the builtin here
from .base import CONTEXT_SETTINGS, DEFAULT_DB, Group, State, err

__all__ = ["DEFAULT_DB", "cli", "main"]


class Root(Group):
    """The `newsdesk` group: runs the verb, and turns what it lets out into a message and an exit status."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except NewsdeskError as e:
            err(str(e))
            return e.exit_status
        except sqlite3.DatabaseError as e:  # damage found after opening: name the file rather than print a traceback
            db = ctx.ensure_object(State).db
            err(f"{db}: database error: {e}; `sqlite3 {db} 'PRAGMA integrity_check'` says what is damaged")
            return 1
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:
            return 0
        except Exception as e:
            from ..store.postgres import database_error, redact  # not imported for verbs that never open a store

            if not isinstance(e, database_error()):
                raise
            # the server went away, a constraint failed, a query was cancelled: one line, not a traceback
            err(f"{redact(ctx.ensure_object(State).db)}: PostgreSQL error: {str(e).strip()}")
            return 1


@click.group("newsdesk", cls=Root, context_settings=CONTEXT_SETTINGS,
             help="An automatic news desk: ingest, build, serve.")
@click.version_option(__version__, "--version", prog_name="newsdesk", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    ctx.ensure_object(State)


for _family in (build, serve, auth, batch, feeds, eval_verbs):
    for _command in _family.COMMANDS:
        cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    """Runs the command line (`argv`, or sys.argv[1:]) and returns its exit status."""
    try:
        status = cli.main(args=argv, prog_name="newsdesk", standalone_mode=False)
    except click.ClickException as e:  # usage errors: exit status 2
        e.show()
        return e.exit_code
    except click.Abort:  # Ctrl-C while click itself was parsing
        return 130
    return status or 0
