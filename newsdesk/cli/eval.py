"""`newsdesk eval NAME`: benchmarks against the development data; each is newsdesk/eval/NAME.py's `run(args)`.

The options are declared here, as click options; `run` gets them as an argparse-style namespace (attributes named
after the options), so that the benchmark modules stay callable without the command line.
"""
from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import click

from ..eval import cluster as eval_cluster, facts as eval_facts, summarize as eval_summarize
from .base import group, verb

PATH = click.Path(path_type=Path)


def _first_line(module) -> str:
    return (module.__doc__ or "").strip().splitlines()[0]


@group("eval", "benchmarks against the development data, with baselines in the same run")
def eval_group() -> None:
    pass


def _cluster_options(f):
    options = [click.option("--data", type=PATH, default=eval_cluster.DEFAULT_DATA,
                            help=f"data folder (default {eval_cluster.DEFAULT_DATA})")]
    for name in (s for s in eval_cluster.SETS if s != "wikinews"):  # wikinews is read from the package
        options.append(click.option(f"--{name}", type=PATH, default=None,
                                    help=f"path of {eval_cluster.FILES[name]} (default: in --data)"))
    options += [
        click.option("--sets", default="ecbplus,allsides,duc2003",
                     help="comma-separated from " + ", ".join(eval_cluster.SETS)
                     + " (wikinews: the bundled demo sample, not fitted on)"),
        click.option("--orders", type=int, default=1, metavar="N",
                     help="score each system over N feed orders (ties in date and undated articles shuffled "
                     "differently) and print the mean and the range of BCubed F1"),
        click.option("--one-day", is_flag=True,
                     help="re-date every dated article to one day, so that the date tells no story from another "
                     "(a busy day's feed); undated articles stay undated"),
        click.option("--no-ceilings", is_flag=True, help="leave out the two reference rows (gold join decisions; "
                     "gold with copies where their first went)"),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@verb("cluster", _first_line(eval_cluster))
@_cluster_options
def cluster(**options) -> int:
    return eval_cluster.run(Namespace(**options))


@verb("facts", _first_line(eval_facts))
@click.option("--gold", type=PATH, default=eval_facts.GOLD, help=f"gold file (default {eval_facts.GOLD})")
@click.option("--data", type=PATH, default=None,
              help="cluster JSON lines (default: the bundled multiling2011_en.jsonl)")
@click.option("--show", is_flag=True, help="print each miss and false alarm")
def facts(**options) -> int:
    return eval_facts.run(Namespace(**options))


def _summarize_options(f):
    options = [click.option("--data", type=PATH, default=eval_summarize.DEFAULT_DIR,
                            help=f"folder with the summarization sets (default {eval_summarize.DEFAULT_DIR})")]
    for name, (fname, _, _) in eval_summarize.SETS.items():
        options.append(click.option(f"--{name}", type=PATH, default=None, help=f"path of {fname} (default: in --data)"))
    options += [
        click.option("--multilingual", type=PATH, default=None,
                     help="folder of the MultiLing 2011 files in 7 languages "
                          f"(default {eval_summarize.MULTILINGUAL_DIR})"),
        click.option("--sets", default="duc,multiling,multinews",
                     help="comma-separated: duc, multiling, multinews, allsides (the editors' roundups; not in the "
                          "default), multilingual (7 languages, with the task's participants; not in the default)"),
        click.option("--languages", default=None, help="with --sets multilingual: comma-separated codes (default all: "
                                                       "en,fr,cs,el,ar,he,hi)"),
        click.option("--systems", default=",".join(eval_summarize.SYSTEMS),
                     help=f"comma-separated from {', '.join(eval_summarize.SYSTEMS)}"),
        click.option("--limit", type=int, default=100,
                     help="at most this many clusters per set (default 100: bounds the Multi-News run; 0 = all)"),
        click.option("--resamples", type=int, default=1000, help="ROUGE bootstrap resamples (-r, default 1000)"),
        click.option("--show", is_flag=True, help="print newsdesk's summary of each cluster"),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@verb("summarize", _first_line(eval_summarize))
@_summarize_options
def summarize(**options) -> int:
    return eval_summarize.run(Namespace(**options))


for _command in (cluster, facts, summarize):
    eval_group.add_command(_command)

COMMANDS = [eval_group]
