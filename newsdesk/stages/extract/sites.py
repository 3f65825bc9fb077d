"""The outlet: the site's host, whether a piece of a title names the site, and the outlet's readable name.

`site_host(url)` is the host without "www.", "m.", "amp." or "mobile."; `is_site(part, sites, host)` is True when
`part` names the outlet (one of its declared names, or its domain); `outlet_name(names, host, titles)` is the
outlet as readers know it ("The Guardian", not "theguardian.com"). `TITLE_SEP` matches the separators between a
headline and a site or section label.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from .normalize import norm


def site_host(url: str | None) -> str | None:
    """The lowercase host of `url` without a 'www.', 'm.', 'amp.' or 'mobile.' prefix, or None."""
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return re.sub(r"^(www\d?|m|amp|mobile)\.", "", host.lower())


def _host_label(host: str) -> str:
    """'theguardian.com' -> 'theguardian', 'bbc.co.uk' -> 'bbc'."""
    parts = host.split(".")
    if len(parts) >= 3 and len(parts[-1]) == 2 and parts[-2] in {"co", "com", "org", "net", "gov", "ac", "ne", "or"}:
        parts = parts[:-2]
    elif len(parts) >= 2:
        parts = parts[:-1]
    return parts[-1] if parts else host


# " | ", " - ", " — ", "Title: Site", and the CJK forms seen in the wild ("：", "｜", Korean "ㅣ")
TITLE_SEP = re.compile(r"\s+(?:[|\-–—·•»/~*]|::)\s+|(?<=\S):\s+|\s*[：｜ㅣ]\s*")


def is_site(part: str, sites: list[str], host: str | None, loose: bool = True) -> bool:
    """True when `part` names the outlet: one of its names `sites`, or its `host` (`loose`: a tail that ends in it)."""
    n = norm(part)
    if not n or len(part) > 80:
        return False
    for s in sites:
        ns = norm(s)
        if not ns:
            continue
        # "BBC News" for "BBC", "Lesotho" for "Lesotho Times"; a long tail that merely starts with the
        # name ("Metro area residents worried") is headline text, not a site label
        if n == ns or (len(n) >= 3 and ns.startswith(n)) or (
            n.startswith(ns) and len(part.split()) <= len(s.split()) + 3
        ):
            return True
    if host:
        label = norm(_host_label(host))
        if n in (norm(host), label) or (len(label) >= 4 and n.replace("the", "", 1) == label.replace("the", "", 1)):
            return True
        # "Die Neue Südtiroler Tageszeitung" on tageszeitung.it: a short tail that ends in the domain name
        if loose and len(label) >= 5 and len(part.split()) <= 6 and n.endswith(label):
            return True
    return False


_DOMAIN_LIKE = re.compile(r"^[\w-]+(?:\.[\w-]+)+$")


def _from_domain(name: str) -> str:
    """'theguardian.com' -> 'Theguardian', 'news.ORF.at' -> 'ORF', 'stuttgarter-zeitung.de' -> 'Stuttgarter Zeitung'."""
    parts = name.split(".")
    lowered = [p.lower() for p in parts]
    if len(parts) >= 3 and len(parts[-1]) == 2 and lowered[-2] in {"co", "com", "org", "net", "gov", "ac", "ne", "or"}:
        parts = parts[:-2]
    elif len(parts) >= 2:
        parts = parts[:-1]
    label = parts[-1] if parts else name
    label = re.sub(r"^(?:www\d?|m|amp|mobile)$", "", label) or name
    if not label.islower():
        return label  # the outlet's own spelling: "WinFuture", "ORF"
    if len(label) <= 4 and "-" not in label:
        return label.upper()  # bbc, cnn, npr, ndr
    words = label.split("-")
    if len(words) > 1 and all(len(w) >= 4 for w in words):
        return " ".join(w.capitalize() for w in words)
    return label[:1].upper() + label[1:]


def outlet_name(names: list[str], host: str | None, titles: list[str]) -> str | None:
    """The outlet as readers know it: 'The Guardian', not 'theguardian.com'."""
    names = [n for n in names if n and len(n) <= 80 and not n.startswith("http")]

    def bare(name: str) -> bool:  # "theguardian.com", or "financialpost" on financialpost.com
        return bool(_DOMAIN_LIKE.match(name)) or (
            name.islower() and " " not in name and bool(host) and norm(name) == norm(_host_label(host)))

    for name in names:
        if not bare(name):
            return name
    # a title suffix often spells the outlet properly ("... | The Guardian" for theguardian.com)
    for title in titles:
        for part in reversed(TITLE_SEP.split(title)[1:]):
            part = part.strip()
            if part and not bare(part) and not part.islower() and is_site(part, names, host):
                return part
    if names:  # a lowercase brand the outlet writes so itself ("taz", "kicker") stays as written
        return next((n for n in names if not _DOMAIN_LIKE.match(n)), None) or _from_domain(names[0])
    return _from_domain(host) if host else None
