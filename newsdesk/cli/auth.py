"""The `token` verb: the access token for changes through the web server (say whether one exists, or --reset)."""
from __future__ import annotations

import click

from .base import State, verb


@verb("token", "the access token for changes through the web server: --reset makes a new one")
@click.option("--reset", is_flag=True, help="make a new token, replacing the old one and its logins")
@click.pass_obj
def token(state: State, reset: bool) -> int:
    """Makes a new access token for the web server's writes (--reset), or says whether one exists."""
    from ..web.auth import reset_token

    with state.open_store() as store:
        if reset:
            new = reset_token(store)
            print("new access token for the web server (shown only this once; the database keeps a hash):\n"
                  f"    {new}\n"
                  "  the old token and every login made with it no longer work. Log in with it on the server's\n"
                  f"  /login page, or send \"Authorization: Bearer {new}\" to the API.")
            return 0
        made = store.credentials_made()
    if made:
        print(f"{len(made)} token{'s' if len(made) != 1 else ''} stored (hashed), made {', '.join(made)}; "
              "`newsdesk token --reset` replaces it with a new one")
    else:
        print("no token stored: `newsdesk serve` makes one on its first start, `newsdesk token --reset` makes one "
              "now, or set NEWSDESK_TOKEN in the server's environment")
    return 0


COMMANDS = [token]
