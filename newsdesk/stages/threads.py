"""Threads: the long-running story that stories (events) belong to.

In: every live story's profile (`StoryProfile`): its names (people, places, organisations as the clusterer reads
them, `profile_names`), its subject (title and lead terms, the vector related stories are found from) and its
first date; the thread ids of the last time. Out: story id -> thread id (`threads`).
Guarantees: a story is in exactly one thread; two stories are linked only when they share distinctive names (IDF
over stories) AND their subjects agree, each above its own bar, so that two events of one kind in different places
or with different people (two earthquakes, two rehab stays) stay apart, however close their subjects, and two
stories about the same people on unrelated subjects do too; no time limit, so a thread spans years. A thread's id
is the id of its oldest story (the smallest id: ids grow), so it stays put as the thread grows, and changes only
when two threads join (to the older one's).
How: candidates are stories sharing one of a story's names (not a name in over `posting_stories`); linked pairs
are joined by average link: two threads join when the mean link score over all their pairs of
stories reaches the bar, pairs not linked counting 0, so that one bridging pair cannot chain two big threads.
A build redoes only what it changed (`relink`), with the same result.
Settings: [threads] in docs/settings.md. Design and measurements: docs/design/threads.md.
"""
from __future__ import annotations

import heapq
import math
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, Mapping, Sequence

from ..models import Article
from ..settings import current
from .cluster import LEAD_WORDS, _dot, _names

SETTINGS = current().threads
# Words the name finder takes for names that tell no story from another: dates and titles.
_NOT_NAMES = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "president", "minister", "prime_minister", "government", "police", "officials", "english",
})


@dataclass
class StoryProfile:
    """What threads are found from, per story: `names` name -> weight (`profile_names`), `vector` subject terms."""

    id: Hashable
    names: dict[str, float]
    vector: dict[str, float] | None = None


def profile_names(articles: Iterable[Article], keep: int | None = None) -> dict[str, float]:
    """The story's `keep` (default: the setting) heaviest names: per article 1 + log(mentions) in its title and
    lead, averaged over its articles, so that what most of its reports name weighs most."""
    keep = SETTINGS.names_per_story if keep is None else keep
    total: Counter = Counter()
    n = 0
    for a in articles:
        n += 1
        lead = " ".join((a.text or "").split()[:LEAD_WORDS])
        for name, c in _names(f"{a.title or ''}\n{lead}").items():
            if name not in _NOT_NAMES:
                total[name] += 1.0 + math.log(c)
    return {name: round(w / n, 4) for name, w in total.most_common(keep)} if n else {}


def _unit(vec: dict[str, float]) -> dict[str, float]:
    length = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {k: v / length for k, v in vec.items()}


def stories_count(n: int) -> int:
    """The number of stories IDF is taken over: `n` rounded up to a power of 2, so that a new story moves no weight
    until the store doubles (what lets a build relink only what it changed: `relink`)."""
    return 1 << max(n - 1, 0).bit_length()


def df_bucket(df: int) -> int:
    """A name's story count as IDF reads it: exact up to 8, then rounded down to a power of the square root of 2
    (11, 16, 22, 32...), so that a common name's weight moves only when its count grows by 41%, not at every story
    that names it."""
    if df <= 8:
        return df
    return int(2 ** (math.floor(2 * math.log2(df)) / 2))


def name_weights(df: Mapping[str, int], n: int) -> dict[str, float]:
    """Name -> IDF weight over `n` stories, from each name's `df_bucket` and the `stories_count` of `n`."""
    total = stories_count(n)
    return {t: math.log((total + 1) / (df_bucket(c) + 1)) + 1.0 for t, c in df.items()}


class Linker:
    """The link scores between stories, from their names, the names' weights and their subjects: one pair's score
    depends on those alone, so a pair whose two stories, and the weights of their names, did not change keeps
    its score (`relink`). A name in more than `posting_stories` stories (its `df_bucket`) finds no candidates:
    it says little, and its stories are found through their other names."""

    def __init__(self, names: Mapping[Hashable, dict[str, float]], min_names: float | None = None,
                 min_subject: float | None = None, soft: bool = False):
        self.min_names = SETTINGS.min_names if min_names is None else min_names
        self.min_subject = SETTINGS.min_subject if min_subject is None else min_subject
        self.soft = soft
        self.names = names
        self.holders: dict[str, list] = {}
        for sid, story_names in names.items():
            for t in story_names:
                if t in self.holders:
                    self.holders[t].append(sid)
                else:
                    self.holders[t] = [sid]
        self.df = {t: len(h) for t, h in self.holders.items()}
        self.total = stories_count(len(names))
        self._units: dict[Hashable, dict[str, float]] = {}

    def unit(self, sid: Hashable) -> dict[str, float]:
        if sid not in self._units:  # weights as `name_weights`, for this story's names only
            self._units[sid] = _unit({t: w * (math.log((self.total + 1) / (df_bucket(self.df[t]) + 1)) + 1.0)
                                      for t, w in self.names[sid].items()})
        return self._units[sid]

    def candidates(self, sid: Hashable) -> set:
        """The stories sharing one of `sid`'s names that find candidates."""
        out: set = set()
        for t in self.names[sid]:
            if df_bucket(self.df[t]) <= SETTINGS.posting_stories:
                out.update(self.holders[t])
        out.discard(sid)
        return out

    def score(self, a: Hashable, b: Hashable, vectors: Mapping[Hashable, dict | None]) -> float:
        """The link score of two stories: the geometric mean of their name cosine and their subject cosine where
        each reaches its bar, else 0 (with `soft`, minus that mean: it never links, but counts in the mean)."""
        name_sim = _dot(self.unit(a), self.unit(b))
        if name_sim < self.min_names and not self.soft:
            return 0.0
        va, vb = vectors.get(a), vectors.get(b)
        subject = _dot(va, vb) if va and vb else 0.0
        score = math.sqrt(max(name_sim, 0.0) * max(subject, 0.0))
        if name_sim >= self.min_names and subject >= self.min_subject:
            return score
        return -score if self.soft else 0.0

    def links(self, stories: Iterable[Hashable], vectors: Mapping[Hashable, dict | None]
              ) -> dict[tuple, float]:
        """(a, b) -> score, a < b by `_order`, for every linked pair (or, with `soft`, scored pair) that holds one
        of `stories`; `vectors`: story -> unit subject vector, for those and their candidates."""
        out: dict[tuple, float] = {}
        for a in stories:
            for b in self.candidates(a):
                pair = (a, b) if _order(a) < _order(b) else (b, a)
                if pair not in out:
                    s = self.score(*pair, vectors)
                    if s:
                        out[pair] = s
        return out


def link_scores(profiles: Sequence[StoryProfile], min_names: float | None = None,
                min_subject: float | None = None, soft: bool = False) -> dict[tuple[int, int], float]:
    """(i, j) -> link score, i < j indexes into `profiles`, for the pairs over both bars: the name cosine (names
    weighted by IDF over these stories, `name_weights`) at least `min_names` and the subject cosine at least
    `min_subject`. The score is the geometric mean of the two."""
    linker = Linker({i: p.names for i, p in enumerate(profiles)}, min_names, min_subject, soft)
    vectors = {i: _unit(p.vector) if p.vector else None for i, p in enumerate(profiles)}
    return linker.links(range(len(profiles)), vectors)


def threads(profiles: Sequence[StoryProfile], min_names: float | None = None, min_subject: float | None = None,
            min_link: float | None = None, previous: Mapping[Hashable, Hashable] | None = None,
            soft: bool = False) -> dict[Hashable, Hashable]:
    """Story id -> thread id for every profile; see the module's docstring. `min_link`: the average link score over
    two threads' pairs of stories at which they join. `previous`: story id -> its thread id from the last time
    (`keep_ids`)."""
    links = link_scores(profiles, min_names, min_subject, soft)
    ids = [p.id for p in profiles]
    groups = average_link(sorted(ids, key=_order), {(ids[i], ids[j]): s for (i, j), s in links.items()}, min_link)
    return keep_ids(groups, previous or {})


def average_link(stories: Sequence[Hashable], links: Mapping[tuple, float], min_link: float | None = None
                 ) -> list[list[Hashable]]:
    """Groups of `stories` (in their order) by average link over `links` ((a, b) -> score, both among `stories`;
    negative: a pair under a bar, counted in the mean but never linking): two groups join when the mean over all
    their pairs reaches `min_link` and one of their pairs links. A group's result depends only on the links
    within its connected component and on the order of its stories, so a component can be redone alone."""
    min_link = SETTINGS.min_link if min_link is None else min_link
    at = {sid: i for i, sid in enumerate(stories)}
    members: dict[int, list[int]] = {i: [i] for i in range(len(stories))}
    # between clusters: the sum of their pairs' link scores and how many pairs link; clusters with no linked pair
    # never join
    sums: dict[int, dict[int, list]] = {i: {} for i in range(len(stories))}
    pairs = sorted((min(at[a], at[b]), max(at[a], at[b]), s) for (a, b), s in links.items())
    for i, j, s in pairs:
        sums[i][j] = sums[j][i] = [abs(s), 1 if s > 0 else 0]
    # the best mean first, from a heap whose entries go stale when either cluster changes (its version moves)
    version = [0] * len(stories)
    heap = [(-s, i, j, 0, 0) for i, j, s in pairs if s >= min_link]  # under a bar: negative
    heapq.heapify(heap)
    while heap:
        _, a, b, va, vb = heapq.heappop(heap)
        if a not in members or b not in members or version[a] != va or version[b] != vb:
            continue
        if len(members[b]) > len(members[a]):
            a, b = b, a
        members[a] += members.pop(b)
        version[a] += 1
        for c, (s, linked) in sorted(sums.pop(b).items()):
            sums[c].pop(b, None)
            if c != a:
                both = sums[a].get(c, [0.0, 0])
                sums[a][c] = sums[c][a] = [both[0] + s, both[1] + linked]
        sums[a].pop(a, None)
        size = len(members[a])
        for c, (s, linked) in sorted(sums[a].items()):
            mean = s / (size * len(members[c]))
            if linked and mean >= min_link:
                heapq.heappush(heap, (-mean, a, c, version[a], version[c]))
    return [[stories[i] for i in group] for group in members.values()]


@dataclass
class Relinked:
    """What `relink` found: `thread_of` story -> thread id for the stories whose thread may have changed (the
    others keep theirs), the links to store (`links`, replacing every stored link that touches `dropped`), the
    names' counts as IDF read them (`state`, name -> `df_bucket`, "" -> `stories_count`), and how many stories
    were relinked (`relinked`) and re-threaded (`region`)."""

    thread_of: dict
    links: dict
    dropped: set
    state: dict
    relinked: int
    region: int


def relink(names: Mapping[Hashable, dict[str, float]], vectors: Callable[[set], Mapping[Hashable, dict | None]],
           changed: set | None, stored_links: Mapping[tuple, float], state: Mapping[str, int],
           previous: Mapping[Hashable, Hashable], min_names: float | None = None, min_subject: float | None = None,
           min_link: float | None = None, soft: bool = False) -> Relinked:
    """Threads after a build, redoing only what it can change, with the result of `threads` over every story.
    `names`: every live story's names; `vectors(ids)`: their subject vectors; `changed`: the stories whose names
    or vector changed since the last time (None: every story); `stored_links`, `state`: what the last time stored
    (`Relinked`); `previous`: story -> its stored thread id.

    A pair's link score depends on its two stories and their names' weights only (`Linker`), and a weight on a
    name's `df_bucket` and the `stories_count`: so the stories relinked are the changed ones, those without a
    thread yet, and the holders of a name whose bucket moved (all of them when the stories count moves). A
    thread depends only on the links of its connected component (`average_link`) and on the previous ids of its
    stories (`keep_ids`), so the stories re-threaded are the components, in the old links and the new, of the
    stories relinked and of the stories gone; every other story's thread stays as stored."""
    linker = Linker(names, min_names, min_subject, soft)
    now = {t: df_bucket(c) for t, c in linker.df.items()}
    now[""] = stories_count(len(names))
    gone = ({a for a, _ in stored_links} | {b for _, b in stored_links}) - names.keys()
    if changed is None or state.get("") != now[""]:
        todo = set(names)
        kept: dict[tuple, float] = {}
        gone |= {s for s in previous if s not in names}
    else:
        moved = {t for t in now.keys() | state.keys() if t and now.get(t) != state.get(t)}
        todo = ({s for s in changed if s in names} | {s for s in names if previous.get(s) is None}
                | {s for t in moved for s in linker.holders.get(t, ())})
        kept = {p: v for p, v in stored_links.items()
                if p[0] not in todo and p[1] not in todo and p[0] not in gone and p[1] not in gone}
    wanted = set(todo)
    for sid in todo:
        wanted |= linker.candidates(sid)
    units = {sid: _unit(v) if v else None for sid, v in vectors(wanted).items()}
    fresh = linker.links(sorted(todo, key=_order), units)
    links = {**kept, **fresh}
    # the stories whose thread can change: the components of the relinked and the gone, in the old links and new
    graph: dict = {}
    for table in (stored_links, links):
        for (a, b), v in table.items():
            if v > 0:
                graph.setdefault(a, set()).add(b)
                graph.setdefault(b, set()).add(a)
    region: set = set()
    stack = list(todo | gone)
    while stack:
        sid = stack.pop()
        if sid not in region:
            region.add(sid)
            stack.extend(graph.get(sid, ()))
    region &= names.keys()
    inside = {p: v for p, v in links.items() if p[0] in region and p[1] in region}
    groups = average_link(sorted(region, key=_order), inside, min_link)
    thread_of = keep_ids(groups, {s: previous[s] for s in region if previous.get(s) is not None})
    return Relinked(thread_of, fresh, todo | gone, now, len(todo), len(region))


def keep_ids(groups: list[list[Hashable]], previous: Mapping[Hashable, Hashable]) -> dict[Hashable, Hashable]:
    """Story id -> thread id for `groups` of story ids, keeping the previous ids (`previous`: story id -> thread id).
    A thread id is the id of one of its stories (or of one merged away): a previous id goes to the group that holds that story (among
    several, the one most of the group had, then the older); an id whose story is gone goes to the group holding
    the most of its stories; a group left without one (a new thread, or the part of one that split off) takes its
    oldest story's id."""
    where = {s: g for g, group in enumerate(groups) for s in group}
    counts = [Counter(previous[s] for s in group if previous.get(s) is not None) for group in groups]
    named: dict[int, Hashable] = {}
    for g, had in enumerate(counts):
        own = [t for t in had if where.get(t) == g]
        if own:
            named[g] = min(own, key=lambda t: (-had[t], _order(t)))
    taken = set(named.values())
    for _, _, g, t in sorted((-n, _order(t), g, t) for g, had in enumerate(counts) if g not in named
                             for t, n in had.items() if t not in where):
        if g not in named and t not in taken:
            named[g] = t
            taken.add(t)
    out: dict[Hashable, Hashable] = {}
    for g, group in enumerate(groups):
        thread = named.get(g)
        if thread is None:  # no member is another group's id: those are their own members or gone stories
            thread = min(group, key=_order)
        for sid in group:
            out[sid] = thread
    return out


def _order(story: Hashable) -> tuple:
    return (0, story, "") if isinstance(story, int) else (1, 0, str(story))
