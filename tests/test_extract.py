"""Tests for the extract stage; every page is written here so the suite runs on a fresh clone."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from newsdesk.models import RawInput
from newsdesk.stages.extract import ExtractionError, _clean_body, extract_html

PARAS = [
    "The city council voted on Tuesday evening to approve a new plan for the river district, "
    "ending a debate that had divided residents for more than two years.",
    "Under the plan, the old warehouses along the eastern bank will be turned into housing, "
    "with a quarter of the new flats reserved for families on low incomes.",
    "Opponents said the council had ignored warnings about flooding, and several of them "
    "promised to challenge the decision in court before the end of the month.",
    "The mayor, speaking after the vote, said the scheme would be reviewed every year and "
    "that the first residents could move in by the spring of 2026.",
]


def page(head: str = "", body_extra_top: str = "", body_extra_bottom: str = "", lang: str = "en",
         paras: list[str] = PARAS, h1: str = "Council approves river district plan") -> str:
    ps = "\n".join(f"<p>{p}</p>" for p in paras)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
{head}
</head>
<body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main>
<article>
<h1>{h1}</h1>
{body_extra_top}
{ps}
{body_extra_bottom}
</article>
</main>
<footer><p>Copyright 2024 Example Media Group. All rights reserved.</p></footer>
</body>
</html>"""


def raw(html: str | bytes, url: str | None = None) -> RawInput:
    body = html.encode("utf-8") if isinstance(html, str) else html
    return RawInput(body=body, kind="html", origin="test.html", url=url)


def test_metadata_from_json_ld_and_open_graph():
    head = """
<title>Council approves river district plan | The Daily Example</title>
<meta property="og:title" content="Council approves river district plan">
<meta property="og:site_name" content="The Daily Example">
<meta property="og:url" content="https://www.dailyexample.com/news/river-plan">
<meta property="article:published_time" content="2024-03-05T13:30:00Z">
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Council approves river district plan",
 "datePublished": "2024-03-05T14:30:00+01:00",
 "author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "John Smith"}],
 "publisher": {"@type": "Organization", "name": "The Daily Example"}}
</script>"""
    art = extract_html(raw(page(head=head, lang="en-GB")))
    assert art.title == "Council approves river district plan"
    assert art.published == datetime(2024, 3, 5, 14, 30, tzinfo=timezone(timedelta(hours=1)))
    assert art.published.utcoffset() == timedelta(hours=1)  # the zone is kept, not normalised away
    assert art.authors == ["Jane Doe", "John Smith"]
    assert art.outlet == "The Daily Example"
    assert art.language == "en"
    assert art.url == "https://www.dailyexample.com/news/river-plan"
    assert art.origin == "test.html"
    assert art.raw_sha256 == raw(page(head=head, lang="en-GB")).sha256
    assert art.text.split("\n") == PARAS  # the <h1> headline is not repeated as body text


def test_raw_url_wins_over_page_url():
    head = '<title>Council approves river district plan</title><meta property="og:url" content="https://a.example/x">'
    art = extract_html(raw(page(head=head), url="https://b.example/y"))
    assert art.url == "https://b.example/y"


@pytest.mark.parametrize("suffix", [" - Example News", " | Example News", " — Example News", ": Example News"])
def test_site_suffix_removed_when_it_names_the_outlet(suffix):
    head = f'<title>River plan divides residents{suffix}</title><meta property="og:site_name" content="Example News">'
    art = extract_html(raw(page(head=head, h1="River plan divides residents" + suffix)))
    assert art.title == "River plan divides residents"
    assert art.outlet == "Example News"


def test_suffix_matched_against_hostname_and_outlet_derived_from_it():
    head = "<title>River plan divides residents | Example Times</title>"
    art = extract_html(raw(page(head=head, h1="River plan divides residents | Example Times"),
                           url="https://www.exampletimes.com/2024/03/river-plan"))
    assert art.title == "River plan divides residents"
    assert art.outlet == "Example Times"  # readable form taken from the title, not "Exampletimes.com"


def test_title_colon_kept_when_not_a_site_name():
    head = '<title>Flooding: what the new plan means for you</title><meta property="og:site_name" content="Example News">'
    art = extract_html(raw(page(head=head, h1="Flooding: what the new plan means for you")))
    assert art.title == "Flooding: what the new plan means for you"


def test_outlet_falls_back_to_hostname():
    art = extract_html(raw(page(head="<title>River plan divides residents</title>"), url="https://news.example.org/a/1"))
    assert art.outlet and "example" in art.outlet.lower()


def test_ssi_error_related_block_and_boilerplate_removed_paragraphs_whole():
    top = "<p>Share this article</p><figure><figcaption>Photo: Anna Berg/Getty Images</figcaption></figure>"
    bottom = """
<p>Sign up for our newsletter</p>
<p>We use cookies to improve your experience. By continuing to browse you accept our use of cookies.</p>
<h3>Related news</h3>
<ul>
<li>Mayor defends housing targets</li>
<li>Flood defences to cost millions more</li>
<li>Residents march against warehouse demolition</li>
</ul>
<p>[an error occurred while processing this directive]</p>"""
    paras = PARAS[:2] + ["[an error occurred while processing this directive]"] + PARAS[2:]
    art = extract_html(raw(page(head="<title>Council approves river district plan</title>",
                                body_extra_top=top, body_extra_bottom=bottom, paras=paras)))
    lines = art.text.split("\n")
    assert lines == PARAS  # every paragraph kept whole, in order, and nothing else
    for junk in ("error occurred", "Related", "Mayor defends", "Share this", "newsletter", "cookies", "Getty"):
        assert junk not in art.text


def test_filter_is_conservative_with_real_sentences():
    text = "\n".join([
        "Residents who subscribe to the council's flood alerts will get a text message before the river rises, officials said.",
        "Read more about the plan in the documents published by the council on its website this week, she added.",
        "Related news",
        "Mayor defends housing targets",
        "Flood defences to cost millions more",
        "The mayor said the plan would be reviewed every year by an independent panel of engineers and residents.",
        "(AP Photo/Jane Roe)",
        "Protesters gather outside city hall on Tuesday. (AP Photo/Jane Roe)",
        "[an error occurred while processing the directive]",
    ])
    out = _clean_body(text, None).split("\n")
    assert out == [
        "Residents who subscribe to the council's flood alerts will get a text message before the river rises, officials said.",
        "Read more about the plan in the documents published by the council on its website this week, she added.",
        "The mayor said the plan would be reviewed every year by an independent panel of engineers and residents.",
    ]


def test_lone_subheading_after_related_header_is_kept():
    text = "\n".join([PARAS[0], "Related news", "What happens next", PARAS[1]])
    assert _clean_body(text, None).split("\n") == [PARAS[0], "What happens next", PARAS[1]]


def test_page_without_article_text_raises():
    html = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Example News - Home</title></head>
<body><nav><a href="/a">World</a> <a href="/b">Business</a> <a href="/c">Sport</a></nav>
<div class="login"><form><input name="user"><button>Log in</button></form></div>
<footer><p>Copyright 2024 Example News</p></footer></body></html>"""
    with pytest.raises(ExtractionError, match="no article text"):
        extract_html(raw(html))


def test_short_text_raises():
    with pytest.raises(ExtractionError, match="no article text"):
        extract_html(raw(page(head="<title>Brief</title>", paras=["Council approves the plan."])))


@pytest.mark.parametrize("body", [b"", b"   \n", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20])
def test_undecodable_or_empty_input_raises(body):
    with pytest.raises(ExtractionError):
        extract_html(RawInput(body=body, kind="html", origin="x"))


def test_plain_text_is_not_html():
    with pytest.raises(ExtractionError, match="not HTML"):
        extract_html(raw(" ".join(PARAS)))


def test_wrong_kind_raises():
    with pytest.raises(ExtractionError, match="kind"):
        extract_html(RawInput(body=page().encode(), kind="json", origin="x"))


def test_windows_1252_page_with_meta_charset():
    paras = [
        "Le café de la gare a rouvert ses portes lundi après trois mois de travaux, à la grande joie des habitués du quartier.",
        "« C’est une renaissance », a déclaré la gérante, qui estime le coût des travaux à 45 000 € environ.",
        "Les clients ont salué la nouvelle terrasse, plus grande, et le retour des crêpes préparées sur place chaque matin.",
    ]
    html = page(head="<title>Le café de la gare rouvre</title>", lang="fr", paras=paras,
                h1="Le café de la gare rouvre").replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    body = html.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")  # the test is only meaningful if the bytes are not valid UTF-8
    art = extract_html(raw(body))
    assert art.title == "Le café de la gare rouvre"
    assert art.text.split("\n") == paras
    assert "€" in art.text and "’" in art.text
    assert art.language == "fr"


def test_latin1_label_decodes_as_windows_1252():
    # pages labelled iso-8859-1 routinely carry 0x92 apostrophes, which only windows-1252 maps to "’"
    paras = [p.replace("council's", "council\u2019s") for p in PARAS]
    html = page(head="<title>Council approves river district plan</title>", paras=paras)
    body = html.replace('<meta charset="utf-8">', '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">')
    art = extract_html(raw(body.encode("cp1252")))
    assert art.text.split("\n") == paras


def test_date_fallback_and_byline_authors():
    head = """<title>Council approves river district plan</title>
<meta name="author" content="Jane Doe and John Smith">
<meta name="date" content="2024-03-05">"""
    art = extract_html(raw(page(head=head)))
    assert art.published is not None and art.published.date().isoformat() == "2024-03-05"
    assert art.authors == ["Jane Doe", "John Smith"]


def test_organisation_author_replaced_by_reporter_byline():
    head = """<title>Council approves river district plan</title>
<meta property="og:site_name" content="Example News">
<meta name="author" content="Jane Doe">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Council approves river district plan",
 "author": {"@type": "Organization", "name": "Example News"}}</script>"""
    art = extract_html(raw(page(head=head)))
    assert art.authors == ["Jane Doe"]


def test_tail_that_only_starts_with_site_name_is_kept():
    title = "Crime wave hits the city - Metro area residents worried about safety"
    head = f'<title>{title}</title><meta property="og:site_name" content="Metro">'
    art = extract_html(raw(page(head=head, h1=title)))
    assert art.title == title
