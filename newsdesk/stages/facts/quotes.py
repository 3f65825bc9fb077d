"""Direct quotes and who said them: the speaker is the subject of the speech verb nearest the quote, outside the quote
marks ("X said", "said X", "according to X"; a verb that has no subject of its own takes its head's: "went on to
accuse", "... and calls"). Resolution: a pronoun ("he said") goes to the previous quote's speaker when no one else was
named in between, else to the last person named as a subject; a role ("the minister said", "the spokesperson said")
goes to the last person or organisation the article gave that role ("Nelson Jobim, the Brazilian Defence Minister",
"a spokesperson for the IOC"). A place is never a speaker, nor is a bare title ("Clerk", "The President")."""
from __future__ import annotations

import re

from spacy.tokens import Doc, Span, Token

# Curly, straight and PTB-style (``...'') double quotes; single quotes are too often apostrophes.
_QUOTE = re.compile(r"“([^”]{8,}?)”|\"([^\"\n]{8,}?)\"|``(.{8,}?)''", re.S)
# French and Spanish add guillemets (« ... », French with a space inside) and the dash that opens a line of
# reported speech and closes it before the speech verb ("—Estamos listos —dijo el presidente—."). A dash inside a
# line is an aside as often as speech: only one opening a paragraph counts.
_QUOTE_ROMANCE = re.compile(_QUOTE.pattern + r"|«\s*([^»]{8,}?)\s*»|(?m:^[—―]\s*([^—―\n]{8,}?)(?=\s*[—―]|$))",
                            re.S)


def quote_re(language: str = "en") -> re.Pattern:
    """The direct-quote pattern of a language: every group but one is None in a match; that one is the quote."""
    return _QUOTE_ROMANCE if language in ("fr", "es") else _QUOTE

SPEECH = {"say", "tell", "add", "ask", "state", "explain", "note", "declare", "announce", "insist", "warn", "claim",
          "argue", "continue", "reply", "respond", "remark", "write", "tweet", "post", "urge", "acknowledge",
          "admit", "recall", "confirm", "deny", "vow", "pledge", "promise", "concede", "stress", "caution",
          "conclude", "describe", "call", "shout", "chant", "quote", "report", "accuse", "charge", "comment",
          "suggest", "tell", "predict", "criticise", "criticize", "plead", "demand", "assert", "reiterate"}
ROLE_NOUNS = {"spokesman", "spokeswoman", "spokesperson", "minister", "president", "official", "clerk", "secretary",
              "chairman", "chairwoman", "chair", "director", "commander", "chief", "governor", "mayor", "ambassador",
              "leader", "captain", "general", "colonel", "judge", "lawyer", "attorney", "prosecutor", "spokesmen",
              "premier", "chancellor", "king", "queen", "prince", "senator", "officer", "head", "manager",
              "executive", "founder", "analyst", "expert", "scientist", "professor", "doctor", "witness",
              "representative", "envoy", "coordinator", "administrator", "commissioner", "inspector", "sergeant",
              "pilot", "reporter", "correspondent", "editor", "coach", "rider", "cyclist", "uncle", "mother",
              "father", "wife", "husband", "son", "daughter", "brother", "sister"}
# The same in French and Spanish, as the models lemmatize them (quotes_in reads the article's language's sets).
SPEECH_FR = {"dire", "déclarer", "affirmer", "ajouter", "expliquer", "indiquer", "annoncer", "estimer", "souligner",
             "préciser", "assurer", "confier", "répondre", "lancer", "avertir", "insister", "reconnaître", "écrire",
             "confirmer", "démentir", "promettre", "rappeler", "poursuivre", "conclure", "noter", "commenter",
             "demander", "juger", "raconter", "s'exclamer", "exclamer", "dénoncer", "accuser", "répéter"}
SPEECH_ES = {"decir", "declarar", "afirmar", "añadir", "agregar", "explicar", "indicar", "anunciar", "asegurar",
             "señalar", "manifestar", "comentar", "sostener", "advertir", "insistir", "reconocer", "escribir",
             "confirmar", "negar", "prometer", "recordar", "concluir", "subrayar", "destacar", "apuntar",
             "responder", "preguntar", "denunciar", "acusar", "expresar", "precisar", "aclarar", "reiterar"}
SPEECH_BY_LANGUAGE = {"en": SPEECH, "fr": SPEECH_FR, "es": SPEECH_ES}
# Pronouns that stand for a person who spoke ("a-t-il déclaré", "dijo ella"); Spanish drops most subjects.
PERSON_PRONOUNS = {"he", "she", "him", "her", "il", "elle", "-t-il", "-t-elle", "-il", "-elle", "él", "ella"}
# "according to X", "selon X", "según X"
ACCORDING = {"according", "selon", "según"}
MIN_WORDS = 4


_SUBJECTS = ("nsubj", "nsubjpass", "nsubj:pass", "expl:subj")  # expl:subj: French "a-t-il dit" ("-il")


def _subject(verb: Token, inside: range, inverted: bool = False) -> Token | None:
    """The verb's subject, or the subject of the verb it hangs from ("went on to accuse", "provided ... and calls").
    `inverted` (French, Spanish): a speech verb after the quote may put its subject after itself, which the small
    models often parse as an object ("», a déclaré le ministre", "—dijo el presidente")."""
    first = verb
    for _ in range(3):
        for c in verb.children:
            if c.dep_ in _SUBJECTS and c.idx not in inside and c.text != "-t":
                return c
        if verb.dep_ in ("xcomp", "conj", "advcl") and verb.head is not verb:
            verb = verb.head
        else:
            break
    if inverted and first.idx >= inside.stop:
        for c in first.children:
            if c.i > first.i and c.dep_ in ("obj", "nsubj", "nmod", "obl") and c.pos_ in ("NOUN", "PROPN"):
                return c
    return None


def _speaker_token(sent: Span, inside: range, speech: set[str] = SPEECH, inverted: bool = False) -> Token | None:
    """The subject of the speech verb of the sentence nearest the quote, outside the quote itself."""
    verbs = [t for t in sent if t.idx not in inside and t.pos_ in ("VERB", "AUX") and t.lemma_.lower() in speech]
    verbs.sort(key=lambda t: min(abs(t.idx - inside.start), abs(t.idx - inside.stop)))
    for t in verbs:
        subject = _subject(t, inside, inverted)
        if subject is not None:
            return subject
    for t in sent:  # "according to X"
        if t.lower_ == "according" and t.idx not in inside:
            for to in t.children:
                for obj in to.children:
                    if obj.dep_ == "pobj":
                        return obj
        if t.lower_ in ACCORDING and t.lower_ != "according" and t.idx not in inside and t.dep_ == "case":
            return t.head  # "selon X", "según X": in the UD parse the preposition hangs from X
    return None


def _ent_of(tok: Token, labels: tuple[str, ...]) -> Span | None:
    for ent in tok.doc.ents:
        if ent.label_ in labels and ent.start <= tok.i < ent.end:
            return ent
    return None


def _role_holders(doc: Doc) -> list[tuple[int, str, set[str]]]:
    """(character, name, roles) for every person the article introduces with a role, before the name ("Brazilian
    Defence Minister Nelson Jobim", "Minister for London, Tessa Jowell") or in apposition ("Nelson Jobim, the
    Brazilian Defence Minister"), and every organisation named through its spokesperson ("a spokesperson for the
    International Olympic Committee")."""
    out = []
    for ent in doc.ents:
        if ent.label_ != "PERSON":
            continue
        roles: set[str] = set()
        j, comma = ent.start - 1, False
        while j >= 0 and j >= ent.start - 7:
            t = doc[j]
            if t.text == "," and not comma:
                comma = True
            elif t.pos_ in ("PROPN", "NOUN", "ADJ") or t.lower_ in ("for", "of"):
                if t.ent_type_ == "PERSON":
                    break
                roles.add(t.lower_)
            else:
                break
            j -= 1
        root = ent.root
        for c in root.children:
            if c.dep_ == "appos":
                roles |= {t.lower_ for t in c.subtree if t.pos_ in ("NOUN", "PROPN")}
        if root.dep_ == "appos":
            roles |= {root.head.lower_} | {c.lower_ for c in root.head.children if c.dep_ in ("compound", "amod")}
        roles &= ROLE_NOUNS
        if roles:
            out.append((ent.start_char, ent.text, roles))
    for t in doc:
        if t.lower_ in ROLE_NOUNS:
            for prep in t.children:
                if prep.dep_ == "prep" and prep.lower_ in ("for", "of", "at", "from"):
                    for o in prep.children:
                        ent = _ent_of(o, ("ORG",)) if o.dep_ == "pobj" else None
                        if ent is not None:
                            out.append((t.idx, ent.text, {t.lower_}))
    out.sort(key=lambda x: x[0])
    return out


def _by_role(tok: Token, holders: list[tuple[int, str, set[str]]], before: int) -> str | None:
    """The last holder of the role `tok` names ("the minister") introduced before character `before`."""
    role = tok.lower_
    if role not in ROLE_NOUNS:
        return None
    found = [name for char, name, roles in holders if char < before and role in roles]
    return found[-1] if found else None


def _name_in(tok: Token) -> str | None:
    """The PERSON (or ORG) named in the subject's phrase: "Noor, a protester" -> "Noor". A one-word ORG that is a
    title ("Clerk") is not a name."""
    for label in ("PERSON", "ORG"):
        ent = _ent_of(tok, (label,))
        if ent is None:
            subtree = list(tok.subtree)
            lo, hi = subtree[0].i, subtree[-1].i
            ent = next((e for e in tok.doc.ents if e.label_ == label and lo <= e.start and e.end - 1 <= hi), None)
        if ent is not None and not (len(ent) == 1 and ent.text.lower() in ROLE_NOUNS):
            return ent.text
    return None


def _last_person_before(doc: Doc, char: int, subjects_first: bool = True) -> str | None:
    """The last PERSON named before `char`, preferring one named as a subject ("He presented their commander,
    Captain X" leaves "he" with the subject, not with the captain)."""
    last = last_subject = None
    for ent in doc.ents:
        if ent.start_char >= char:
            break
        if ent.label_ == "PERSON":
            last = ent.text
            root = ent.root
            while root.dep_ in ("compound", "appos", "flat") and root.head is not root:
                root = root.head
            if root.dep_ in ("nsubj", "nsubjpass"):
                last_subject = ent.text
    return (last_subject or last) if subjects_first else last


def _person_between(doc: Doc, start: int, end: int) -> bool:
    return any(e.label_ == "PERSON" and start <= e.start_char < end for e in doc.ents)


def _phrase(tok: Token) -> str:
    toks = [t for t in tok.subtree if not (t.dep_ == "case" and t.head.i == tok.i and t.lower_ in ACCORDING)]
    return tok.doc[toks[0].i: toks[-1].i + 1].text.strip(" ,—―-")


def quotes_in(doc: Doc, language: str = "en") -> list[dict]:
    """Every direct quote of at least MIN_WORDS words: {"quote", "start", "end", "speaker", "speaker_as_written",
    "resolved", "speech"}; speaker None when the article does not say who spoke; speech False for a quoted phrase
    without a verb. `language` chooses the quote marks (quote_re) and speech verbs (SPEECH_BY_LANGUAGE); the
    roles that resolve "the minister said" are English only."""
    out: list[dict] = []
    text = doc.text
    holders = None
    speech_verbs = SPEECH_BY_LANGUAGE.get(language, SPEECH)
    for m in quote_re(language).finditer(text):
        body = next(g for g in m.groups() if g is not None)
        if len(body.split()) < MIN_WORDS:
            continue
        start, end = m.start(), m.end()
        inside = range(start, end)
        span = doc.char_span(start, end, alignment_mode="expand")
        # without a verb it is a quoted title, nickname or phrase ("El Rey del Cochayuyo"), kept but not shown as speech
        speech = span is None or any(t.pos_ in ("VERB", "AUX") for t in span)
        sents = {t.sent.start: t.sent for t in span} if span is not None else {}
        speaker = as_written = None
        resolved = False
        for sent in sorted(sents.values(), key=lambda s: s.start):
            tok = _speaker_token(sent, inside, speech_verbs, inverted=language in ("fr", "es"))
            if tok is None:
                continue
            as_written = _phrase(tok)
            if tok.pos_ == "PRON":
                if tok.lower_ in PERSON_PRONOUNS:
                    prev = out[-1] if out else None
                    if prev and prev["speaker"] and prev["resolved"] and start - prev["end"] < 400 and \
                            not _person_between(doc, prev["end"], start):
                        speaker = prev["speaker"]  # "...," he added: the speaker of the quote just before
                    else:
                        speaker = _last_person_before(doc, start)
                    resolved = speaker is not None
            elif _ent_of(tok, ("GPE", "LOC", "FAC")) is not None and _name_in(tok) is None:
                speaker = None  # a place does not speak: "Iran claims" leaves the quote unattributed
            else:
                name = _name_in(tok)
                if name is None:
                    if holders is None:
                        holders = _role_holders(doc)
                    name = _by_role(tok, holders, sent.end_char)
                speaker, resolved = (name, True) if name else (as_written, False)
            break
        if as_written is None and out and out[-1]["speaker"] and start - out[-1]["end"] < 200:
            # A quote standing alone right after another one continues the same speaker.
            speaker, as_written, resolved = out[-1]["speaker"], out[-1]["speaker_as_written"], out[-1]["resolved"]
        out.append({"quote": m.group(0), "start": start, "end": end, "speaker": speaker,
                    "speaker_as_written": as_written, "resolved": resolved, "speech": speech})
    return out
