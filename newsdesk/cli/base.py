"""What every `newsdesk` verb shares: the global options, the state they fill, and the click classes that add them.

A verb is a click command made with `verb(...)` (or `group.command(...)` on a `Group`): it accepts the global
options (`--db`, `--config`, `-q`) after its name as well as before, and lists its whole help line in its group's help.
Verbs take the `State` with `@click.pass_obj`, return their exit status, and raise `NewsdeskError` for what the
user must hear about; the root group (cli/__init__.py) prints it and exits with the error's `exit_status`.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import click

DEFAULT_DB = os.environ.get("NEWSDESK_DB", "data/newsdesk.db")
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 120}


@dataclass
class State:
    """The global options, as the root group and then the verb set them (the one given last wins)."""

    db: str = DEFAULT_DB
    quiet: bool = False

    @property
    def progress(self) -> bool:
        """Progress bars: on a terminal, unless -q."""
        return not self.quiet and sys.stderr.isatty()

    def open_store(self):
        from ..store import Store

        return Store(self.db)


def err(message: str) -> None:
    """One line on stderr, as every error and skipped input is reported: `newsdesk: <message>`."""
    print(f"newsdesk: {message}", file=sys.stderr, flush=True)


def _set_db(ctx: click.Context, _param, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(State).db = value


def _set_quiet(ctx: click.Context, _param, value: bool) -> None:
    if value:
        ctx.ensure_object(State).quiet = True


def _set_config(ctx: click.Context, param, value: str | None) -> None:
    if value is None:
        return
    from ..settings import SettingsError, load

    try:
        load(value)  # before the verb runs: the stage modules read their settings when first imported
    except SettingsError as e:
        raise click.BadParameter(str(e), ctx=ctx, param=param) from None


def global_options() -> list[click.Option]:
    """New option objects for one command: not given, they leave the state as an earlier command set it."""
    return [
        click.Option(["--config"], default=None, metavar="TOML", expose_value=False, callback=_set_config,
                     help="settings file (default ./newsdesk.toml if present, or $NEWSDESK_CONFIG; docs/settings.md)"),
        click.Option(["--db"], default=None, metavar="DB", expose_value=False, callback=_set_db,
                     help=f"SQLite file or postgresql://user@host/db URL (default {DEFAULT_DB}, or $NEWSDESK_DB)"),
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_set_quiet, help="no progress bars"),
    ]


class Verb(click.Command):
    """A command with the global options after its own."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(*args, **kwargs)
        self.params.extend(global_options())


class Group(click.Group):
    """A group of verbs, listed in the order they were added; its commands are `Verb`s, its groups `Group`s."""

    command_class = Verb
    group_class = type  # click: subgroups of the same class

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(*args, **kwargs)
        self.params.extend(global_options())

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


def verb(name: str, help: str, details: str | None = None, **kwargs):
    """Decorator: a `Verb` whose one-line help is shown whole in its group's list (click would cut it at 45);
    `details`, a paragraph that only the verb's own --help shows (what its arguments are)."""
    long_help = f"{help}\n\n{details}" if details else help
    return click.command(name, cls=Verb, help=long_help, short_help=help, **kwargs)


def group(name: str, help: str, **kwargs):
    """Decorator: a `Group` of verbs, with its help shown whole in its parent's list."""
    return click.group(name, cls=Group, help=help, short_help=help, **kwargs)


def fetch_settings(allow_private: bool = False, host_delay: float | None = None):
    """The fetcher's settings with the command line's flags over their defaults (and $NEWSDESK_ALLOW_PRIVATE)."""
    from dataclasses import replace

    from ..settings import current

    s = current().fetch
    if allow_private:
        s = replace(s, allow_private=True)
    if host_delay is not None:
        s = replace(s, host_delay=host_delay)
    return s
