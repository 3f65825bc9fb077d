"""Direct quotes and who said them: the speaker is the subject of a speech verb outside the quote marks, and a
pronoun ("he said") is resolved to the last person the article named before the quote."""
from __future__ import annotations

import re

from spacy.tokens import Doc, Span, Token

# Curly, straight and PTB-style (``...'') double quotes; single quotes are too often apostrophes.
_QUOTE = re.compile(r"“([^”]{8,}?)”|\"([^\"\n]{8,}?)\"|``(.{8,}?)''", re.S)
SPEECH = {"say", "tell", "add", "ask", "state", "explain", "note", "declare", "announce", "insist", "warn", "claim",
          "argue", "continue", "reply", "respond", "remark", "write", "tweet", "post", "urge", "acknowledge",
          "admit", "recall", "confirm", "deny", "vow", "pledge", "promise", "concede", "stress", "caution",
          "conclude", "describe", "call", "shout", "chant", "quote", "report"}
MIN_WORDS = 4


def _speaker_token(sent: Span, inside: range) -> Token | None:
    """The subject of the first speech verb of the sentence that lies outside the quote itself."""
    for t in sent:
        if t.idx in inside or t.pos_ not in ("VERB", "AUX") or t.lemma_.lower() not in SPEECH:
            continue
        for c in t.children:
            if c.dep_ in ("nsubj", "nsubjpass") and c.idx not in inside:
                return c
    for t in sent:  # "according to X"
        if t.lower_ == "according" and t.idx not in inside:
            for to in t.children:
                for obj in to.children:
                    if obj.dep_ == "pobj":
                        return obj
    return None


def _name_in(tok: Token) -> str | None:
    """The PERSON (or ORG) named in the subject's phrase: "Noor, a protester" -> "Noor"."""
    for label in ("PERSON", "ORG"):
        for ent in tok.doc.ents:
            if ent.label_ == label and ent.start <= tok.i < ent.end:
                return ent.text
        subtree = list(tok.subtree)
        lo, hi = subtree[0].i, subtree[-1].i
        for ent in tok.doc.ents:
            if ent.label_ == label and lo <= ent.start and ent.end - 1 <= hi:
                return ent.text
    return None


def _last_person_before(doc: Doc, char: int) -> str | None:
    last = None
    for ent in doc.ents:
        if ent.start_char >= char:
            break
        if ent.label_ == "PERSON":
            last = ent.text
    return last


def _phrase(tok: Token) -> str:
    toks = list(tok.subtree)
    return tok.doc[toks[0].i: toks[-1].i + 1].text.strip(" ,")


def quotes_in(doc: Doc) -> list[dict]:
    """Every direct quote of at least MIN_WORDS words: {"quote", "start", "end", "speaker", "speaker_as_written",
    "resolved"}; speaker None when the article does not say who spoke."""
    out: list[dict] = []
    text = doc.text
    for m in _QUOTE.finditer(text):
        body = next(g for g in m.groups() if g is not None)
        if len(body.split()) < MIN_WORDS:
            continue
        start, end = m.start(), m.end()
        inside = range(start, end)
        span = doc.char_span(start, end, alignment_mode="expand")
        sents = {t.sent.start: t.sent for t in span} if span is not None else {}
        speaker = as_written = None
        resolved = False
        for sent in sorted(sents.values(), key=lambda s: s.start):
            tok = _speaker_token(sent, inside)
            if tok is None:
                continue
            as_written = _phrase(tok)
            if tok.pos_ == "PRON":
                if tok.lower_ in ("he", "she", "him", "her"):
                    speaker = _last_person_before(doc, start)
                    resolved = speaker is not None
            else:
                name = _name_in(tok)
                speaker, resolved = (name, True) if name else (as_written, False)
            break
        if as_written is None and out and out[-1]["speaker"] and start - out[-1]["end"] < 200:
            # A quote standing alone right after another one continues the same speaker.
            speaker, as_written, resolved = out[-1]["speaker"], out[-1]["speaker_as_written"], out[-1]["resolved"]
        out.append({"quote": m.group(0), "start": start, "end": end, "speaker": speaker,
                    "speaker_as_written": as_written, "resolved": resolved})
    return out
