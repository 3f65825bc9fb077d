"""Every error newsdesk raises on purpose, in one hierarchy (as httpx's `_exceptions.py` does).

    NewsdeskError                 base: the message names the input or the thing at fault
    ├── InputError (ValueError)   input that cannot be used: the rest of a batch goes on, the raw input is kept
    │   ├── RecordError           a JSON record that cannot become an article       (sources/records.py)
    │   ├── FeedError             bytes that are not a usable feed                   (sources/feeds.py)
    │   ├── OPMLError             a file that is no usable OPML                      (sources/opml.py)
    │   ├── DecompressionError    gzip that is damaged, cut off or inflates too far  (decompress.py)
    │   │   └── CutOff
    │   ├── ExtractionError       a page or text that holds no usable article       (stages/extract/)
    │   └── SearchRefused         a search over the limits on its length or words    (store/search.py)
    ├── FetchError                a URL that gave no usable response                 (sources/fetch.py)
    ├── StoreError                a database that cannot be used                     (store/connection.py)
    ├── NotFound (LookupError)    no story, article, entity or feed of that id
    ├── Conflict                  a change that contradicts the current state (merging a story into itself)
    └── Unavailable (RuntimeError) work stopped at a limit; asking again later may work
        └── SearchTimedOut                                                           (store/search.py)

Each class says how an interface reports it: `http_status` for the web server and API, `exit_status` for the CLI.
Errors not in this tree are bugs: the CLI prints their traceback, the server answers 500.
"""
from __future__ import annotations

__all__ = ["NewsdeskError", "InputError", "NotFound", "Conflict", "Unavailable"]


class NewsdeskError(Exception):
    """Base of every error newsdesk raises on purpose; str(error) is a message for the user."""

    http_status = 500
    exit_status = 1


class InputError(NewsdeskError, ValueError):
    """Input that cannot be used; the message says what is wrong with it (callers add which input it was)."""

    http_status = 400


class NotFound(NewsdeskError, LookupError):
    """No record of that id; the message names it ("story 12")."""

    http_status = 404

    def __str__(self) -> str:  # LookupError's KeyError cousin would quote it; this never does
        return str(self.args[0]) if self.args else "not found"


class Conflict(NewsdeskError):
    """A change that cannot be made in the current state; the message says why."""

    http_status = 409


class Unavailable(NewsdeskError, RuntimeError):
    """Work stopped at a limit (time, load); the same request may succeed later."""

    http_status = 503
