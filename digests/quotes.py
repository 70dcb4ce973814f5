"""Direct quotations and who said them. Pure functions, no I/O.

The pipeline, linear in the size of the body (every look-around is bounded):

1. Scan quote marks paragraph by paragraph into quoted passages. Curly and straight marks are told apart by
   the characters around them, so an apostrophe (’) is never a quote mark; nested quotes stay inside. A passage
   left open at the end of a paragraph continues when the next paragraph opens with a quote mark (the news
   convention for a quote running over several paragraphs).
2. Find every attribution: a speech verb ("said", "told", "wrote", "according to", "…, saying", "with Gorka
   noting") with its speaker before ("Singh said", "…, while Cruz said") or after it ("said Singh"). A speaker
   phrase is read as a title and a name ("Deputy Pentagon Press Secretary" / "Sabrina Singh"), a pronoun, or a
   description ("a campaign spokesman").
3. Join a passage to the next one when only an attribution stands between them
   (“…from Iraq,” Singh said. “The United States …”).
4. Give each passage an attribution, first found wins: one earlier in its sentence (unless in a subordinate
   clause, "When Sanders said …, he “…,” said Heiserman"), one right after it (not a new sentence after a quote
   that ended one), one later in its sentence; then weaker evidence (a name and verb right after it, a
   "“…” ― Name" signature on its line or a "- Clinton." line below, "[title] Name:" before it, the named
   subject of its sentence); then the previous passage's speaker when it is in the same paragraph or ends the
   paragraph before; then the subject of the sentence before it, the last attribution of the paragraph before
   or the subject of that paragraph's last sentence.
5. Resolve speakers in document order: a bare surname takes the full name and title seen earlier, he/she the
   last named speaker of a compatible gender, "the judge" the last person whose title has that word, "the
   campaign" the last organisation with that word.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from digests.models import Quote, Sentence
from digests.text import (
    ABBREVIATIONS,
    MONTH_ABBREVIATIONS,
    MONTHS,
    TITLE_ABBREVIATIONS,
    WEEKDAYS,
    paragraph_spans,
    words,
)

MIN_QUOTE_WORDS = 5

# "…, saying “…”": the speaker is the subject at the start of the sentence.
_PARTICIPLES = (
    "saying|adding|noting|telling|writing|arguing|explaining|insisting|warning|asking|declaring|reporting|"
    "calling|yelling|shouting|tweeting|replying|responding|stating|claiming|describing|urging|promising|vowing|"
    "asserting|condemning|charging"
)
_SPEECH_VERBS = (
    "said|says|say|told|tells|added|adds|wrote|writes|explained|explains|noted|notes|asked|asks|replied|"
    "continued|stated|declared|argued|argues|insisted|recalled|warned|warns|tweeted|posted|remarked|joked|"
    "quipped|concluded|acknowledged|admitted|claimed|claims|countered|responded|emphasized|stressed|"
    "observed|announced|cautioned|predicted|conceded|shouted|yelled|exclaimed|urged|mused|boasted|"
    "complained|testified|reported|reports|assured|promised|pledged|vowed|suggested|agreed|lamented|"
    "retorted|interjected|answered|put it|puts it|reacted|continues|elaborated|sang|reads|fired back|"
    "shot back|echoed|proclaimed|proclaims|agrees|went on to say|pointed out|called|calls|described|describes|"
    "dubbed|asserted|asserts|declares|responds|replies|remembered|recalls|opined|condemned|condemns|charged|"
    "barked|fumed|concludes|insists|according to|" + _PARTICIPLES
)
_PARTICIPLE_SET = frozenset(_PARTICIPLES.split("|"))
_NAMING_VERBS = frozenset({"called", "calls", "described", "describes", "dubbed"})


def _speech_pattern(phrases: list[str]) -> re.Pattern[str]:
    """One regex for the phrases, grouped by first letter (either case: "Stated Stone:", "According to").

    A flat alternation under IGNORECASE tries every phrase at every word and took seconds on 10 MB."""
    by_letter: dict[str, list[str]] = {}
    for phrase in sorted(set(phrases), key=len, reverse=True):
        by_letter.setdefault(phrase[0], []).append(re.escape(phrase[1:]))
    groups = (f"[{letter.upper()}{letter}](?:{'|'.join(rests)})" for letter, rests in by_letter.items())
    return re.compile(r"\b(?:" + "|".join(groups) + r")\b")


_SPEECH = _speech_pattern(_SPEECH_VERBS.split("|"))

# A window token: a word (with inner apostrophes, hyphens and periods, as in "U.S." or "O’Neil") or a single
# punctuation character. Words never end in an apostrophe, so "Singh’s" and "Singh’" stay distinct.
_TOKEN = re.compile(r"[^\W_](?:[\w.-]|['’](?=\w))*|[^\w\s]")
# Runs of two or more capitalised words: candidate full names ("Sabrina Singh", "Lloyd J. Austin III").
_NAME_RUN = re.compile(r"[A-Z][\w.’'-]*(?: (?:[A-Z][\w.’'-]*|of|\d+(?:st|nd|rd|th)))+")

# A capitalised word after a lower-case word or comma: a name, not a capitalised sentence opener.
_MID_SENTENCE_CAPITAL = re.compile(r"(?<=[a-z,] )[A-Z][\w’'-]*")
# "Mitch McConnell, R-Ky., said": a party and state tag after a name.
_PARTY_TAG = re.compile(r"[RDI]-[A-Z][\w.]*")
_QUOTE_CHARS = '"“”'
_QUOTE_MARKS = re.compile(f"[{_QUOTE_CHARS}]")
# A markup tag such as <tweet author="…" datetime="…"> or <tweet/>: its quote marks quote nothing.
_TAG = re.compile(r"<[A-Za-z/][^<>]*>")
_BEFORE_OPEN = frozenset("([{—–―-/")
_AFTER_CLOSE = frozenset(".,;:!?)]}—–―-…")
_DASHES = frozenset("—–―")
_WINDOW = 120  # characters looked at on either side of a speech verb: attributions are short
_REACH = 400  # at most this far from a quote mark to an attribution in the same sentence
_LOOK_BACK = 50  # speakers looked back through for he/she and "the campaign"
# Where a clause around a speech verb ends: a terminator, a colon or a quote mark (a period only before a space).
_CLAUSE_BOUNDARY = re.compile(rf"[!?;:{_QUOTE_CHARS}]|\.(?=\s|\Z)")

_PRONOUN_GENDER = {"he": "m", "she": "f"}
_OTHER_PRONOUNS = frozenset({"they", "it", "we", "i", "you", "who", "which", "that", "this"})
_HONORIFIC_GENDER = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f"}
_PREPOSITIONS = frozenset(
    {"for", "of", "at", "with", "from", "to", "in", "by", "on", "about", "into", "during", "after", "before"}
)
_RELATIVES = frozenset({"who", "which", "whose", "whom", "where", "when", "while"})
_PREPOSITIONS_AND_RELATIVES = _PREPOSITIONS | _RELATIVES
_INDEFINITE = frozenset({"a", "an", "one", "another"})
_CONJUNCTIONS = frozenset({"but", "and", "so", "yet", "then", "still", "now"})
_DETERMINERS = frozenset(
    {"the", "a", "an", "his", "her", "their", "its", "our", "another", "one", "some", "this", "that", "two"}
)
_PREPOSITIONS_AND_DETERMINERS = _PREPOSITIONS | _DETERMINERS
# Auxiliaries and adverbs that may stand between a speaker and the speech verb: "Singh has also said".
_BETWEEN = frozenset(
    {
        "has",
        "had",
        "have",
        "would",
        "will",
        "also",
        "later",
        "then",
        "again",
        "once",
        "previously",
        "was",
        "recently",
        "earlier",
        "reportedly",
        "further",
        "already",
        "never",
        "always",
        "just",
        "simply",
        "often",
        "today",
        "yesterday",
        "tonight",
    }
)
_CONJUNCTIONS_AND_BETWEEN = _CONJUNCTIONS | _BETWEEN
# Lower-case words that are no part of a title before a name ("said his pollster", "has also").
_PREPOSITIONS_DETERMINERS_BETWEEN_PRONOUNS = _PREPOSITIONS_AND_DETERMINERS | _BETWEEN | _OTHER_PRONOUNS
# Ranks, offices and organisation words that make up a title before a name ("Air Force Maj. Gen.").
_TITLE_WORDS = (
    frozenset(
        {
            "deputy",
            "press",
            "secretary",
            "spokesperson",
            "spokesman",
            "spokeswoman",
            "president",
            "vice",
            "chairman",
            "chairwoman",
            "chair",
            "director",
            "chief",
            "minister",
            "prime",
            "ambassador",
            "senator",
            "representative",
            "governor",
            "mayor",
            "general",
            "admiral",
            "captain",
            "sergeant",
            "corporal",
            "private",
            "specialist",
            "class",
            "master",
            "staff",
            "command",
            "commander",
            "officer",
            "petty",
            "seaman",
            "airman",
            "army",
            "navy",
            "air",
            "force",
            "marine",
            "marines",
            "corps",
            "coast",
            "guard",
            "space",
            "national",
            "pentagon",
            "defense",
            "state",
            "homeland",
            "security",
            "attorney",
            "judge",
            "justice",
            "speaker",
            "leader",
            "majority",
            "minority",
            "senior",
            "adviser",
            "advisor",
            "assistant",
            "undersecretary",
            "under",
            "acting",
            "former",
            "professor",
            "ceo",
            "manager",
            "campaign",
            "counsel",
            "coordinator",
            "nominee",
            "candidate",
            "congressman",
            "congresswoman",
            "lieutenant",
            "colonel",
            "major",
            "brigadier",
            "rear",
            "white",
            "house",
            "department",
            "joint",
            "executive",
            "official",
            "strategist",
            "pollster",
            "economist",
            "analyst",
            "gop",
            "democratic",
            "republican",
            "ensign",
            "warrant",
            "editor",
            "managing",
            "reporter",
            "correspondent",
            "anchor",
            "host",
            "columnist",
            "writer",
            "founder",
            "co-founder",
            "activist",
            "lawyer",
            "partner",
            "fellow",
            "member",
            "chairperson",
            "commissioner",
            "treasurer",
            "surrogate",
            "moderator",
            "aide",
            "consultant",
            "operative",
            "donor",
            "supporter",
            "organizer",
            "volunteer",
            "voter",
            "delegate",
            "lawmaker",
            "legislator",
            "historian",
            "scholar",
            "researcher",
            "expert",
            "scientist",
            "chancellor",
            "premier",
            "and",
            "for",
            "of",
            "the",
        }
    )
    | TITLE_ABBREVIATIONS
)
# Capitalised words that start sentences or name days and months, never the start of a name.
_NOT_NAME = (
    frozenset(
        {
            "the",
            "a",
            "an",
            "in",
            "on",
            "at",
            "but",
            "and",
            "or",
            "so",
            "if",
            "when",
            "while",
            "after",
            "before",
            "since",
            "as",
            "then",
            "today",
            "yesterday",
            "this",
            "that",
            "these",
            "those",
            "there",
            "here",
            "it",
            "he",
            "she",
            "they",
            "we",
            "i",
            "you",
            "his",
            "her",
            "their",
            "our",
            "my",
            "its",
            "what",
            "why",
            "how",
            "where",
            "who",
            "according",
            "meanwhile",
            "however",
            "also",
            "both",
            "all",
            "each",
            "every",
            "no",
            "not",
            "one",
            "some",
            "many",
            "most",
            "several",
            "for",
            "with",
            "from",
            "by",
            "to",
            "of",
            "said",
            "says",
            "likewise",
            "moreover",
            "furthermore",
            "similarly",
            "indeed",
            "instead",
            "nonetheless",
            "nevertheless",
            "thus",
            "therefore",
            "later",
            "earlier",
            "now",
            "still",
            "yet",
            "again",
            "finally",
            "first",
            "afterward",
            "afterwards",
            "overall",
            "separately",
            "ultimately",
            "clearly",
        }
    )
    | WEEKDAYS
    | MONTHS
    | MONTH_ABBREVIATIONS
)
# Conjunctions that may open the clause of a speaker: "…, while Cruz said", "…, where Sen. Reid told reporters".
_SUBORDINATORS = frozenset(
    {
        "while",
        "where",
        "when",
        "whereas",
        "as",
        "although",
        "though",
        "because",
        "since",
        "and",
        "but",
        "so",
        "if",
        "once",
        "until",
        "unless",
        "whenever",
    }
)
# Before a speaker, a relative pronoun or conjunction opens the speaker's clause ("…, which President Obama declared").
_CLAUSE_OPENERS = frozenset({"which", "that", "whom", "whose"}) | _SUBORDINATORS
_SUBORDINATING_ONLY = _SUBORDINATORS - _CONJUNCTIONS  # without "and", "but", "so"
# Words opening an introductory phrase rather than a subject: "On Tuesday, …", "Whenever asked, …".
_LEADING_ADVERBIALS = (
    _PREPOSITIONS
    | _RELATIVES
    | frozenset(
        {
            "although",
            "though",
            "if",
            "because",
            "despite",
            "as",
            "since",
            "unlike",
            "like",
            "according",
            "after",
            "whenever",
            "wherever",
            "once",
            "until",
            "unless",
            "whether",
            "meanwhile",
            "still",
            "instead",
        }
    )
)
# Times that may stand between a speaker and the verb: "Priebus later Thursday told", "Trump on Monday said".
_TIME_WORDS = (
    frozenset(
        {
            "morning",
            "afternoon",
            "evening",
            "night",
            "week",
            "month",
            "year",
            "last",
            "this",
            "on",
            "early",
            "late",
        }
    )
    | WEEKDAYS
)
# Words a description cannot end in: "and said" has no speaker.
_FUNCTION_WORDS = _PREPOSITIONS | _CONJUNCTIONS | _BETWEEN | _NOT_NAME | _OTHER_PRONOUNS
# Places that appositions and datelines put next to names ("Harry Bond, 30, of Raleigh, N.C., said").
_PLACES = frozenset(
    {
        "alabama",
        "alaska",
        "arizona",
        "arkansas",
        "california",
        "colorado",
        "connecticut",
        "delaware",
        "florida",
        "hawaii",
        "idaho",
        "illinois",
        "indiana",
        "iowa",
        "kansas",
        "kentucky",
        "louisiana",
        "maine",
        "maryland",
        "massachusetts",
        "michigan",
        "minnesota",
        "mississippi",
        "missouri",
        "montana",
        "nebraska",
        "nevada",
        "new hampshire",
        "new jersey",
        "new mexico",
        "new york",
        "north carolina",
        "north dakota",
        "ohio",
        "oklahoma",
        "oregon",
        "pennsylvania",
        "rhode island",
        "south carolina",
        "south dakota",
        "tennessee",
        "texas",
        "utah",
        "vermont",
        "virginia",
        "west virginia",
        "wisconsin",
        "wyoming",
        "n.c",
        "s.c",
        "n.h",
        "n.j",
        "n.y",
        "n.m",
        "n.d",
        "s.d",
        "calif",
        "colo",
        "conn",
        "fla",
        "ga",
        "ill",
        "ind",
        "kan",
        "ky",
        "la",
        "mich",
        "minn",
        "miss",
        "mo",
        "mont",
        "neb",
        "nev",
        "okla",
        "ore",
        "pa",
        "tenn",
        "tex",
        "va",
        "vt",
        "wis",
        "wyo",
        "d.c",
        "u.s",
    }
)
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})
_PARTICLES = frozenset({"de", "del", "da", "van", "von", "bin", "al", "la", "le", "du", "der"})
_PARTICLES_AND_SUFFIXES = _PARTICLES | _NAME_SUFFIXES
_TITLE_WORDS_AND_PARTICLES = _TITLE_WORDS | _PARTICLES
_ORG_WORDS = frozenset(
    {
        "campaign",
        "department",
        "committee",
        "party",
        "times",
        "post",
        "news",
        "journal",
        "press",
        "pentagon",
        "house",
        "agency",
        "ministry",
        "office",
        "council",
        "institute",
        "university",
        "association",
        "foundation",
        "center",
        "centre",
        "group",
        "command",
        "administration",
        "government",
        "company",
        "corporation",
        "inc",
        "network",
        "magazine",
        "tribune",
        "herald",
        "reuters",
        "bureau",
        "commission",
        "coalition",
        "embassy",
        "organization",
        "union",
        "board",
        "service",
        "court",
    }
)


# ---------------------------------------------------------------------------------------------------------
# Quote marks → passages


@dataclass(frozen=True, slots=True)
class _Passage:
    """One quoted passage: ``pieces`` are the quoted text spans (marks excluded), one per paragraph."""

    pieces: tuple[tuple[int, int], ...]
    open_at: int  # offset of the opening mark
    close_at: int  # offset just past the closing mark, or the paragraph end when it never closed


def _mark_kind(body: str, at: int, lo: int, hi: int) -> str:
    """``"open"``, ``"close"`` or ``"either"`` for the quote mark at ``at`` in the paragraph ``[lo, hi)``."""
    before = body[at - 1] if at > lo else " "
    after = body[at + 1] if at + 1 < hi else " "
    opens = before.isspace() or before in _BEFORE_OPEN
    closes = after.isspace() or after in _AFTER_CLOSE
    if opens != closes:
        return "open" if opens else "close"
    # Context cannot tell (e.g. `"…"` glued to other marks): curly marks say it themselves.
    mark = body[at]
    return "open" if mark == "“" else "close" if mark == "”" else "either"


def _family(mark: str) -> str:
    return "straight" if mark == '"' else "curly"


def _trim(body: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past surrounding whitespace."""
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return start, end


def _passages(body: str, spans: list[tuple[int, int]]) -> list[_Passage]:
    """Every quoted passage in ``body`` (whose paragraphs are ``spans``), in document order (any length)."""
    found: list[_Passage] = []
    tags = [m.span() for m in _TAG.finditer(body)]
    tag_starts = [start for start, _ in tags]
    pieces: list[tuple[int, int]] = []
    open_at = -1  # offset of the opening mark of the passage being read, -1 outside a quote
    family = ""
    nested = False  # inside a quote of the other family, nested in this one
    piece_start = 0
    for number, (lo, hi) in enumerate(spans):
        continuing = open_at >= 0
        depth = 0  # quotes of the same family nested in this one (“… “your team” needs …”)
        for match in _QUOTE_MARKS.finditer(body, lo, hi):
            at = match.start()
            tag = bisect.bisect_right(tag_starts, at) - 1
            if tag >= 0 and at < tags[tag][1]:
                continue  # inside markup such as <tweet author="…">, not a quotation
            kind = _mark_kind(body, at, lo, hi)
            if continuing:
                # The passage carried over from the previous paragraph restarts after this opening mark.
                continuing = False
                if at == lo:
                    piece_start = at + 1
                    continue
            mark_family = _family(body[at])
            if open_at < 0:
                if kind != "close":
                    open_at, family, nested, pieces, piece_start = at, mark_family, False, [], at + 1
                continue
            if mark_family != family and kind != "close":
                nested = True
                continue
            if mark_family != family and nested:
                nested = False
                continue
            if kind == "open":
                # Nested, or the earlier quote was never closed: either way the passage runs on.
                depth += 1
                continue
            if depth > 0:
                depth -= 1
                continue
            pieces.append(_trim(body, piece_start, at))
            found.append(_Passage(tuple(pieces), open_at, at + 1))
            open_at = -1
        if open_at < 0:
            continue
        # Still inside a quote at the paragraph end: it goes on if the next paragraph opens with a mark.
        pieces.append(_trim(body, piece_start, hi))
        nxt = spans[number + 1] if number + 1 < len(spans) else None
        if nxt is None or body[nxt[0]] not in _QUOTE_CHARS or _mark_kind(body, nxt[0], *nxt) == "close":
            found.append(_Passage(tuple(pieces), open_at, hi))
            open_at = -1
    return found


# ---------------------------------------------------------------------------------------------------------
# Tokens and speaker phrases


class _Token(NamedTuple):
    """A word or punctuation mark at ``[start, end)`` of the body (a tuple: millions are made on 10 MB)."""

    text: str
    start: int
    end: int

    @property
    def bare(self) -> str:
        """Lower-case text without a final period."""
        return self.text.rstrip(".").lower()

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum()

    @property
    def is_capitalised(self) -> bool:
        return self.text[0].isupper()


def _tokens(body: str, lo: int, hi: int) -> list[_Token]:
    """Tokens of ``body[lo:hi]``; a final period is split off unless it ends an abbreviation or initial."""
    out: list[_Token] = []
    for match in _TOKEN.finditer(body, lo, hi):
        text = match.group()
        start, end = match.span()
        if len(text) > 1 and text.endswith(".") and text[0].isalnum():
            stem = text[:-1]
            keep = stem.lower() in ABBREVIATIONS or len(stem) == 1 or "." in stem
            if not keep:
                out.append(_Token(stem, start, end - 1))
                out.append(_Token(".", end - 1, end))
                continue
        out.append(_Token(text, start, end))
    return out


@dataclass(frozen=True, slots=True)
class _Mention:
    """Who an attribution names: a person or organisation (``name``), a pronoun, or a description.

    ``start``/``end`` are the body offsets of the words the mention was read from.
    """

    start: int
    end: int
    name: str | None = None
    title: str | None = None
    gender: str | None = None
    pronoun: str | None = None
    description: str | None = None
    is_org: bool = False


def _is_name_token(token: _Token) -> bool:
    bare = token.bare
    if bare in _NAME_SUFFIXES or bare in _PARTICLES or (len(token.text) == 2 and token.text[1] == "."):
        return True  # "Jr.", "III", "al", and initials such as "J."
    if not token.is_capitalised:
        return False
    return bare not in _TITLE_WORDS and bare not in _NOT_NAME and bare not in _HONORIFIC_GENDER


def _strip_parentheses(tokens: list[_Token]) -> list[_Token]:
    """Drop parenthesised asides such as "(R-Texas)"; an unclosed "(" is dropped alone."""
    out: list[_Token] = []
    opened: list[int] = []  # lengths of ``out`` at each "(" still open
    for token in tokens:
        if token.text == "(":
            opened.append(len(out))
        elif token.text == ")":
            if opened:
                del out[opened.pop() :]
        else:
            out.append(token)
    return out


def _segments(tokens: list[_Token]) -> list[list[_Token]]:
    """Comma-separated pieces of a phrase (appositions: "Clinton, the Democratic nominee,")."""
    pieces: list[list[_Token]] = [[]]
    for token in tokens:
        if token.text in _DASHES or token.text in {",", "--", "-"}:
            pieces.append([])
        else:
            pieces[-1].append(token)
    return [piece for piece in pieces if piece]


def _join(body: str, tokens: Sequence[_Token]) -> str:
    return body[tokens[0].start : tokens[-1].end]


_CONNECTORS = frozenset({"and", "of", "for", "the"})
_DETERMINERS_AND_CONNECTORS = _DETERMINERS | _CONNECTORS


def _title_of(body: str, tokens: list[_Token]) -> str | None:
    """``tokens`` as a title if they read like one ("Deputy Pentagon Press Secretary"), else None."""
    while tokens and tokens[0].bare in _DETERMINERS_AND_CONNECTORS:
        tokens = tokens[1:]
    while tokens and tokens[-1].bare in _CONNECTORS:
        tokens = tokens[:-1]
    if not tokens or len(tokens) > 8:
        return None
    if not any(t.bare in _TITLE_WORDS and t.bare not in _CONNECTORS for t in tokens):
        return None
    if not all(t.is_capitalised or t.bare in _TITLE_WORDS or t.text[0].isdigit() for t in tokens):
        return None
    return _join(body, tokens)


def _title_suffix(tokens: list[_Token]) -> list[_Token]:
    """The words just before a name that may form its title: capitalised words, title words, ordinals."""
    cut = len(tokens)
    while cut > 0 and (
        tokens[cut - 1].is_capitalised or tokens[cut - 1].bare in _TITLE_WORDS or tokens[cut - 1].text[0].isdigit()
    ):
        cut -= 1
    return tokens[cut:]


def _parse_segment(body: str, tokens: list[_Token]) -> _Mention | None:
    """Parse one noun phrase: [title] name, a pronoun, or a short description ("a campaign spokesman")."""
    if not tokens or not tokens[0].is_word:
        return None
    last = tokens[-1]
    if last.bare in _PRONOUN_GENDER or last.bare in _OTHER_PRONOUNS:
        return _Mention(last.start, last.end, pronoun=last.bare) if len(tokens) == 1 else None
    # The name is the run of name-like tokens at the end of the phrase; what comes before may be a title.
    cut = len(tokens)
    while cut > 0 and _is_name_token(tokens[cut - 1]):
        if cut < len(tokens) and tokens[cut - 1].text.endswith(("’s", "'s")):
            break  # "The Post's Ruth Marcus": the possessive is not part of the name
        cut -= 1
    while cut < len(tokens) and tokens[cut].bare in _PARTICLES_AND_SUFFIXES:
        cut += 1
    name_tokens = tokens[cut:]
    if tokens[0].bare in _INDEFINITE and len(tokens) > 1:
        # "a former Bush administration official who sits on the board of the Republican Jewish Coalition"
        return _Mention(tokens[0].start, last.end, description=_join(body, tokens))
    if not name_tokens:
        # "a campaign spokesman", "Sanders’ campaign manager", "Time’s Managing Editor": a description.
        if len(tokens) <= 6 and (
            (last.text.isalpha() and last.text.islower() and last.bare not in _FUNCTION_WORDS)
            or _title_of(body, tokens) is not None
        ):
            is_org = last.bare in _ORG_WORDS
            return _Mention(tokens[0].start, last.end, description=_join(body, tokens), is_org=is_org)
        return None
    head = tokens[:cut]
    described = (
        bool(head)
        and head[-1].bare in _PREPOSITIONS
        and all(not t.is_capitalised or t.bare in _DETERMINERS for t in head)
    )
    if " ".join(t.bare for t in name_tokens) in _PLACES and not described:
        return None  # "Columbus, Ohio": a place, not a speaker (but "the senator from Vermont" is one)
    if name_tokens[-1].text.endswith(("’s", "'s")):
        return None  # "Axelrod’s": a possessive, not someone speaking
    if (
        head
        and not head[0].is_capitalised
        and any(a.bare in _PREPOSITIONS and b.bare in _DETERMINERS for a, b in itertools.pairwise(head))
    ):
        # "executive director of the Campaign Legal Center": a description of someone named elsewhere.
        return _Mention(tokens[0].start, last.end, description=_join(body, tokens))
    if len(head) > 1 and head[-1].bare in {"of", "from"} and _is_name_token(head[-2]):
        return _parse_segment(body, head[:-1])  # "Sen. Tom Carper of Delaware" → Tom Carper
    if head and head[-1].bare in _PREPOSITIONS:
        # "a spokesman for Sanders": the name only qualifies a description.
        return _Mention(tokens[0].start, last.end, description=_join(body, tokens), is_org=False)
    if head and head[0].bare == "the" and any(t.bare in _PREPOSITIONS for t in head):
        # "the Democratic chair of Florida’s Palm Beach County": a description of someone named elsewhere.
        return _Mention(tokens[0].start, last.end, description=_join(body, tokens))
    if head and head[-1].bare == "the":
        if len(head) > 1:  # "founder of the Media Research Center": a description
            return _Mention(tokens[0].start, last.end, description=_join(body, tokens))
        # "the Global Times", "the Pentagon": an organisation.
        return _Mention(head[-1].start, last.end, _join(body, name_tokens), is_org=True)
    if head and head[-1].bare in _DETERMINERS:
        return None  # "a Clinton": not a plain name
    if len(name_tokens) > 2 and all(t.text.isupper() and len(t.text) > 2 for t in name_tokens):
        return None  # "CONGRESS HAS INVESTIGATED HIM": a heading in capitals, not a name
    gender = None
    start = name_tokens[0].start
    if head and head[-1].bare in _HONORIFIC_GENDER:
        start = head[-1].start  # "Mr. Ryan said": the attribution starts at "Mr."
        gender = _HONORIFIC_GENDER[head.pop().bare]
    title_tokens = _title_suffix(head)
    title = _title_of(body, title_tokens) if title_tokens else None
    if title is not None:
        start = min(start, body.index(title, title_tokens[0].start))
    is_org = any(t.bare in _ORG_WORDS for t in name_tokens) or (
        len(name_tokens) == 1 and name_tokens[0].text.isupper() and len(name_tokens[0].text) > 1
    )
    return _Mention(start, last.end, _join(body, name_tokens), title, gender, is_org=is_org)


def _leading_phrase(tokens: list[_Token], *, after_verb: bool = False) -> list[_Token]:
    """The [title] name a phrase starts with: "pollster Frank Luntz in a statement" → "pollster Frank Luntz".

    Lower-case words may precede the name ("said pollster Frank Luntz"); only after a speech verb may they
    also follow a capitalised word ("said Montclair State University political scientist Brigid Harrison"),
    since elsewhere that is a verb ("Clinton acknowledged Sanders").
    """
    cut = 1 if len(tokens) > 1 and tokens[0].bare == "the" and tokens[1].is_capitalised else 0
    if after_verb and len(tokens) > 1 and tokens[0].bare in _INDEFINITE:
        cut = 1  # "said a Nevada Democrat", "added another New Hampshire Republican"
    named = False  # after a name, "of" starts a place or employer: "Stephanie Hooton of Derry"
    while (
        cut < len(tokens)
        and not (named and tokens[cut].bare in _CONNECTORS)
        and (
            (tokens[cut].is_capitalised and tokens[cut].bare not in _NOT_NAME)
            or tokens[cut].bare in _TITLE_WORDS_AND_PARTICLES
            or tokens[cut].text[0].isdigit()
            # a few lower-case words of a title ("pollster", "host") before the name
            or (
                (cut < 6 if after_verb else cut < 3 and not named)
                and tokens[cut].text.isalpha()
                and tokens[cut].text.islower()
                and tokens[cut].bare not in _PREPOSITIONS_DETERMINERS_BETWEEN_PRONOUNS
                and tokens[cut].bare not in _PRONOUN_GENDER
            )
        )
    ):
        named = named or _is_name_token(tokens[cut])
        cut += 1
    while cut > 0 and not tokens[cut - 1].is_capitalised:
        cut -= 1  # the phrase ends with the name
    return tokens[:cut] or tokens[:1]


def _parse_phrase(body: str, tokens: list[_Token], *, before_verb: bool) -> _Mention | None:
    """The speaker in a phrase next to a speech verb, taking a title from an apposition.

    Before the verb the comma-separated segment closest to the verb counts ("In a statement, Clinton said");
    after it, the first ("said Sabrina Singh, deputy Pentagon press secretary").
    """
    segments = _segments(_strip_parentheses(tokens))
    if not segments:
        return None
    if before_verb:
        nearest = segments[-1]
        relative = len(nearest) > 1 and nearest[0].bare == "who" and nearest[1].is_capitalised  # "who Beck called"
        if relative or (len(nearest) > 1 and nearest[0].bare in _CLAUSE_OPENERS):
            # "the Stonewall Inn, which President Obama declared", "…, while Cruz said": the name after the
            # pronoun or conjunction is the speaker.
            segments[-1] = nearest[1:]
        clause = next((r for r in range(len(segments) - 2, 0, -1) if segments[r][0].bare in {"who", "whose"}), 0)
        if clause:
            # "Michael Seaman, who lives outside the state capital, Sacramento, said": what follows the relative
            # clause's first comma still belongs to it.
            segments = segments[: clause + 1]
        # Skip relative clauses and ages: "Graham, who says …, tweeted", "Butz, 49, told".
        order = [
            seg
            for seg in reversed(segments)
            if seg[0].bare not in _PREPOSITIONS_AND_RELATIVES and not seg[0].text.isdigit()
        ]
    else:
        phrase = _leading_phrase(segments[0], after_verb=True)
        rest = segments[0][len(phrase) : len(phrase) + 1]
        verb_follows = rest and rest[0].text.isalpha() and rest[0].text.islower()
        if verb_follows and rest[0].bare not in _PREPOSITIONS_AND_RELATIVES and not rest[0].bare.endswith("ing"):
            return None  # "said House Speaker Paul Ryan should resign": the name starts what was said
        order = [phrase, *segments[1:]]
    if not order:
        return None
    mention = _parse_segment(body, order[0])
    if before_verb and (mention is None or mention.description is not None):
        # "Clinton, the Democratic nominee, said", "Nate Silver, the polling guru who founded …, tweeted":
        # the name stands before the apposition.
        for segment in order[1:5]:
            named = _parse_segment(body, segment)
            if named is not None and named.name is not None:
                title = named.title or _title_of(body, order[0])
                end = mention.end if mention is not None else named.end
                return _Mention(named.start, end, named.name, title, named.gender, is_org=named.is_org)
        return mention
    if mention is None:
        return None
    if mention.name is not None and mention.title is None and not before_verb and len(order) > 1:
        title = _title_of(body, order[1])
        if title is not None:
            return _Mention(mention.start, order[1][-1].end, mention.name, title, mention.gender, is_org=mention.is_org)
    return mention


# ---------------------------------------------------------------------------------------------------------
# Attributions


@dataclass(frozen=True, slots=True)
class _Attribution:
    """A speech verb with its speaker; ``[start, end)`` covers speaker and verb (and a short object)."""

    start: int
    end: int
    mention: _Mention
    weak: bool = False  # the subject of a sentence with a partial quote, not a speech verb: never joins
    distant: bool = False  # the speaker opens the sentence, far from the verb ("Trump …, telling voters")
    subordinate: bool = False  # in a subordinate clause ("When Sanders said …, he “…,” said Heiserman")


def _is_period(body: str, dot: int, lo: int) -> bool:
    """Whether the "." at ``dot`` is a sentence's full stop rather than part of "U.S." or "Gen."."""
    return _tokens(body, max(lo, dot - 20), dot + 1)[-1].text == "."


def _boundaries(
    body: str, pattern: re.Pattern[str], lo: int, hi: int, *, backwards: bool = False
) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` in ``body[lo:hi]`` (last first when ``backwards``), except those starting at a
    period that is part of an abbreviation or initial."""
    matches = pattern.finditer(body, lo, hi)
    for match in reversed(list(matches)) if backwards else matches:
        at = match.start()
        if body[at] != "." or _is_period(body, at, lo):
            yield match


def _clause_tokens(body: str, lo: int, hi: int, *, backwards: bool) -> tuple[list[_Token], int]:
    """Tokens of ``body[lo:hi]`` on the verb's side of the nearest terminator, colon or quote mark, and the
    offset of that boundary (-1 when there is none). Only the clause is tokenised: the boundary is found on
    the raw text."""
    boundary = next(_boundaries(body, _CLAUSE_BOUNDARY, lo, hi, backwards=backwards), None)
    if boundary is None:
        return _tokens(body, lo, hi), -1
    at = boundary.start()
    return (_tokens(body, at + 1, hi) if backwards else _tokens(body, lo, at)), at


def _opening_subject(body: str, tokens: list[_Token], name_words: frozenset[str]) -> _Mention | None:
    """The speaker opening a clause, past introductory phrases: "Continuing to explain his perspective,
    Carson rejected …, saying" → Carson."""
    for segment in _segments(tokens)[:3]:
        if segment[0].bare in _LEADING_ADVERBIALS or segment[0].bare.endswith("ing"):
            continue
        while segment and segment[0].bare in _CONJUNCTIONS:
            segment = segment[1:]
        mention = _parse_segment(body, _leading_phrase(segment)) if segment else None
        if mention is not None and mention.name is not None and not _plausible(mention, name_words):
            continue  # "Hours later, Trump returned the compliment, telling Reuters"
        if mention is None or (mention.name is None and mention.pronoun not in _PRONOUN_GENDER):
            return None
        return mention
    return None


def _attribution_at(
    body: str, verb: re.Match[str], lo: int, hi: int, name_words: frozenset[str]
) -> _Attribution | None:
    """Parse the speech verb ``verb`` in paragraph ``[lo, hi)`` as "X said" or "said X" (``name_words``:
    see :func:`_plausible`)."""
    before, boundary = _clause_tokens(body, max(lo, verb.start() - 2 * _WINDOW), verb.start(), backwards=True)
    before = _strip_parentheses(before)
    if verb.group().lower() in _PARTICIPLE_SET:
        # "…, with Gorka noting …", "with Trump reportedly yelling": the participle's own subject.
        near = list(before)
        while near and (near[-1].bare in _BETWEEN or (near[-1].text.islower() and near[-1].bare.endswith("ly"))):
            near.pop()
        near = near[-8:]
        cut = max((k for k, t in enumerate(near) if t.bare == "with"), default=-1)
        own = _parse_segment(body, near[cut + 1 :]) if cut >= 0 else None
        if own is not None and (own.name is not None or own.description is not None):
            return _Attribution(own.start, verb.end(), own)
        # "Bradley apologized …, saying": the subject opens the sentence, not a clause after a quote
        # (“…,” Trump said, adding) unless that quote ended a sentence (… “terrorism.” And then Trump went …).
        if boundary > 0 and body[boundary] in _QUOTE_CHARS and body[boundary - 1] not in ".!?":
            return None
        mention = _opening_subject(body, before, name_words)
        return _Attribution(mention.start, verb.end(), mention, distant=True) if mention else None
    if body.startswith(" by ", verb.end()):
        # "Rubio was asked by moderator Gerard Baker whether …": the speaker follows "by".
        after = _clause_tokens(body, verb.end() + 4, min(hi, verb.end() + _WINDOW), backwards=False)[0][:14]
        mention = _parse_phrase(body, after, before_verb=False) if after and after[0].is_word else None
        return _Attribution(verb.start(), mention.end, mention) if mention and mention.name else None
    # Skip "has also" in "Singh has also said", "on Thursday" in "Priebus on Thursday told", lower-case
    # adverbs in -ly and the comma closing an apposition.
    while before and (
        before[-1].bare in _BETWEEN
        or before[-1].bare in _TIME_WORDS
        or before[-1].text in ",—–―."
        or _PARTY_TAG.fullmatch(before[-1].text)
        or (before[-1].text.islower() and before[-1].bare.endswith("ly"))
    ):
        before.pop()
    segments = _segments(before)
    if len(segments) > 1 and all(t.bare in _CONJUNCTIONS_AND_BETWEEN for t in segments[-1]):
        # "Massie used to support Rand Paul, but now said": the subject opens the sentence.
        mention = _opening_subject(body, before, name_words)
        return _Attribution(mention.start, verb.end(), mention, distant=True) if mention else None
    subject = None
    if before and before[-1].is_word and verb.group().lower() != "according to":
        subject = _parse_phrase(body, before, before_verb=True)
        if subject is not None and (subject.name is not None or subject.pronoun is not None):
            opener = [t for t in before if t.end <= subject.start][-1:]
            subordinate = bool(opener) and opener[0].bare in _SUBORDINATING_ONLY
            return _Attribution(subject.start, verb.end(), subject, subordinate=subordinate)
    if verb.group().lower() in _NAMING_VERBS:
        # "called National Nurses United “…”": what follows names the thing described, not the speaker.
        return _Attribution(subject.start, verb.end(), subject) if subject is not None else None
    after = _clause_tokens(body, verb.end(), min(hi, verb.end() + _WINDOW), backwards=False)[0][:14]
    # "The paradox of Nancy, says Carl Anthony, historian at …": a description before the verb gives way to
    # a name standing alone after it.
    if subject is not None and not _named_segment(body, after):
        return _Attribution(subject.start, verb.end(), subject)
    if after and after[0].is_word:
        mention = _parse_phrase(body, after, before_verb=False)
        if mention is None:
            return None
        # A pronoun after the verb is the speaker only at the clause end (“…,” said he), not in "said he had";
        # a description only when indefinite ("said a Nevada Democrat", not "said the plan").
        pronoun = mention.pronoun in _PRONOUN_GENDER and len(after) == 1
        indefinite = mention.description is not None and after[0].bare in _INDEFINITE
        if mention.name is not None or pronoun or indefinite:
            return _Attribution(verb.start(), mention.end, mention)
    return None


def _named_segment(body: str, tokens: list[_Token]) -> bool:
    """Whether the first comma-separated segment of ``tokens`` is exactly a [title] name."""
    segments = _segments(tokens)
    if not segments or not segments[0][0].is_capitalised:
        return False
    mention = _parse_segment(body, segments[0])
    return mention is not None and mention.name is not None and mention.end == segments[0][-1].end


def _plausible(mention: _Mention | None, name_words: frozenset[str]) -> bool:
    """Whether a mention read without a speech verb names someone: a pronoun (he/she), a name of two words or
    with a title, or a single word also capitalised in mid-sentence elsewhere (not a capitalised "Later")."""
    if mention is None:
        return False
    if mention.name is None:
        return mention.pronoun in _PRONOUN_GENDER
    return " " in mention.name or mention.title is not None or mention.name in name_words


def _subject(body: str, tokens: list[_Token], name_words: frozenset[str]) -> _Attribution | None:
    """The named subject opening a sentence ("On Tuesday, Gov. Jerry Brown endorsed her …" → Jerry Brown)."""
    while tokens and tokens[0].text in _QUOTE_CHARS:
        tokens = tokens[1:]
    for segment in _segments(tokens)[:3]:
        # Skip introductory phrases: "On Tuesday,", "In May 2013 -".
        if segment[0].bare in _LEADING_ADVERBIALS:
            continue
        if segment[0].bare in _CONJUNCTIONS:
            segment = segment[1:]
        if not segment or any(t.text in _QUOTE_CHARS for t in segment):
            return None
        phrase = _leading_phrase(segment)
        if phrase[-1].text.endswith(("’s", "'s")):
            return None  # "Donald J. Trump's remarks …": not the speaker
        mention = _parse_segment(body, phrase)
        if mention is not None and _plausible(mention, name_words):
            return _Attribution(mention.start, mention.end, mention, weak=True)
    return None


# A paragraph naming the speaker of the quote paragraph above it: "- Clinton."
_TRANSCRIPT = re.compile(r"([A-Z][\w.’'-]*(?: [A-Z][\w.’'-]*){0,2}): ")
_SIGNATURE_LINE = re.compile(r"[-—–―]* ?([A-Z][\w.’'-]*(?: [A-Z][\w.’'-]*){1,3}),[^\n]{0,80}[\"”][ \t]*$")
_DASH_SIGNATURE = re.compile(r"[-—–―]+[^\S\n]?([A-Z][\w.’'-]*(?: [A-Z][\w.’'-]*){0,3})(?:, [^\n]{0,60})?[^\S\n]*$")


def _weak_attribution(
    body: str, passage: _Passage, sentence: list[_Token], name_words: frozenset[str]
) -> _Attribution | None:
    """A speaker for a quote with no speech verb near it: a name right after it followed by a verb
    (“…,” Trump assured Jones), a "― Sonya Herridge" signature ending its line, a "- Clinton." paragraph after
    it, a [title] name and colon before it, or the subject of the sentence a mid-sentence quote sits in
    ("Pence praised Cruz for showing “…”", "Obama has called the chaos “…”"). ``sentence`` holds the tokens of
    the sentence before the opening mark."""
    hi = body.find("\n", passage.close_at, passage.close_at + _WINDOW)
    hi = min(len(body), passage.close_at + _WINDOW) if hi < 0 else hi
    following = _clause_tokens(body, passage.close_at, min(hi, passage.close_at + _WINDOW // 2), backwards=False)[0]
    while following and following[0].text in ",—–―":
        following = following[1:]
    # Only when the quote does not end its sentence: “…,” Trump assured Jones (not “….” He commanded …).
    ends_sentence = body[passage.pieces[-1][1] - 1 : passage.pieces[-1][1]] == "."
    phrase = _leading_phrase(following[:8]) if following and not ends_sentence else []
    rest = following[len(phrase) : len(phrase) + 1]
    # Not "“…” and said House Speaker Paul Ryan should resign": the name must stand right after the quote.
    verbless = not any(t.bare in _SUBORDINATORS or _SPEECH.fullmatch(t.text) for t in phrase)
    if phrase and verbless and rest and rest[0].text.isalpha() and rest[0].text.islower():
        mention = _parse_segment(body, phrase)
        if mention is not None and _plausible(mention, name_words):
            return _Attribution(mention.start, rest[0].end, mention, weak=True)
    opening = _TRANSCRIPT.match(body, passage.pieces[0][0], passage.pieces[0][1])
    if opening is not None:
        # “Chris Matthews: Seriously, …”: a transcript line names its speaker.
        mention = _parse_segment(body, _tokens(body, opening.start(1), opening.end(1)))
        if mention is not None and mention.name is not None:
            return _Attribution(mention.start, mention.end, mention, weak=True)
    line_ends = hi == len(body) or body[hi] == "\n"
    inline = _DASH_SIGNATURE.match(body, passage.close_at + _indent(body, passage.close_at, hi), hi)
    if inline is not None and line_ends:
        # “…” ― Sonya Herridge: a signature closing the quote's own line.
        mention = _parse_segment(body, [t for t in _tokens(body, inline.start(1), inline.end(1)) if t.is_word])
        if mention is not None and mention.name is not None:
            return _Attribution(mention.start, mention.end, mention, weak=True)
    if not body[passage.close_at : hi].strip():
        nxt = next(paragraph_spans(body[hi : hi + _WINDOW]), None)
        # "- Clinton." below a quote, or "Josh Bivens, Economic Policy Institute.”" ending one left open.
        unclosed = body[passage.close_at - 1] not in '"”'
        pattern = _SIGNATURE_LINE if unclosed else _DASH_SIGNATURE
        signature = pattern.match(body, hi + nxt[0], hi + nxt[1]) if nxt else None
        if signature is not None:
            signed = [t for t in _tokens(body, signature.start(1), signature.end(1)) if t.is_word]
            mention = _parse_segment(body, signed)
            if mention is not None and mention.name is not None:
                return _Attribution(mention.start, mention.end, mention, weak=True)
    tokens = sentence
    if len(tokens) > 1 and tokens[-1].text == ":":
        # "… - Jeffrey M. Jones: “…”": the name right before a colon.
        segments = _segments(tokens[:-1])
        named = _parse_segment(body, segments[-1]) if segments else None
        suffix = _title_suffix(segments[-1]) if segments else []
        head = segments[-1][: len(segments[-1]) - len(suffix)] if segments else []
        if named is not None and named.name is None and head and head[-1].bare not in _PREPOSITIONS_AND_DETERMINERS:
            # "… doesn’t surprise Republican pollster Daron Shaw:" (not "a blunt message to Trump:"): the
            # [title] name the clause ends with.
            named = _parse_segment(body, suffix)
        if named is not None and named.name is not None and _plausible(named, name_words):
            return _Attribution(named.start, named.end, named, weak=True)
    return _subject(body, tokens, name_words) if any(t.is_word for t in tokens) else None


def _indent(body: str, lo: int, hi: int) -> int:
    """How many blanks (spaces, tabs, no-break spaces: not newlines) open ``body[lo:hi]``."""
    at = lo
    while at < hi and body[at].isspace() and body[at] != "\n":
        at += 1
    return at - lo


def _ends_in_stop(body: str, passage: _Passage) -> bool:
    """Whether the quoted text ends its sentence: “… is broken.”"""
    end = passage.pieces[-1][1]
    return body[end - 1 : end] in {".", "!", "?"}


def _ends_sentence(body: str, lo: int, hi: int) -> bool:
    """Whether a sentence ends in ``body[lo:hi]``: a "!" or "?", or a full stop that is not part of an
    abbreviation ("(D-Va.) at the time" ends none)."""
    if next(_boundaries(body, _SENTENCE_END, lo, hi), None) is not None:
        return True
    return any(c in body[lo:hi] for c in "!?")


def _line_start(body: str, at: int, reach: int) -> int:
    """Start of the paragraph holding ``at``, or ``at - reach`` if it starts further back (a bounded look, so
    quote-dense paragraphs stay linear)."""
    return body.rfind("\n", max(0, at - reach), at) + 1 or max(0, at - reach)


def _opened_paragraph(body: str, at: int) -> int | None:
    """Start of the paragraph ``at`` opens (only blanks before it on a line after a newline within
    ``_WINDOW``), or None when it does not open one."""
    line_start = _line_start(body, at, _WINDOW)
    if body[line_start:at].strip() or body[line_start - 1 : line_start] != "\n":
        return None
    return line_start


# Where a sentence may end: a terminator, maybe a closing quote mark (… on “Meet the Press.” “Listening …),
# then a space. A period after an abbreviation ("U.S. forces") is ruled out by tokenising the word before it.
_SENTENCE_END = re.compile(r"[.!?][\"”]?(?=\s)")


def _sentence_before(body: str, at: int) -> tuple[list[_Token], tuple[int, int]]:
    """Tokens of the sentence before offset ``at`` (a passage's opening mark), and the span of the sentence
    before that (empty when there is none), within the paragraph."""
    lo = _line_start(body, at, 2 * _WINDOW)
    # The last two sentence ends, in document order.
    ends = [match.end() for match in itertools.islice(_boundaries(body, _SENTENCE_END, lo, at, backwards=True), 2)]
    ends.reverse()
    if not ends:
        return _tokens(body, lo, at), (lo, lo)
    return _tokens(body, ends[-1], at), (ends[-2] if len(ends) > 1 else lo, ends[-1])


def _paragraph_before_subject(body: str, passage: _Passage, name_words: frozenset[str]) -> _Attribution | None:
    """For a passage opening its paragraph, the named subject of the last sentence of the paragraph before when
    that sentence ends in a colon ("Republican nominee Donald Trump issued the following statement:"), or when
    the passage is its whole paragraph and the one before quotes no one ("Valastro praised Christie’s
    leadership …. ¶ “We need someone who’s going to cut through the bullcrap …”")."""
    line_start = _opened_paragraph(body, passage.open_at)
    if line_start is None:
        return None
    lo = max(0, line_start - 2 * _WINDOW)
    end = lo + len(body[lo:line_start].rstrip())
    if body[end - 1 : end] != ":":
        line_end = body.find("\n", passage.close_at)
        whole = not body[passage.close_at : len(body) if line_end < 0 else line_end].strip()
        before = body[_line_start(body, end, 2 * _WINDOW) : end]
        if not whole or not before.endswith(".") or _QUOTE_MARKS.search(before):
            return None
    tokens, _ = _sentence_before(body, end - 1)
    return _subject(body, tokens, name_words)


def _attributions(body: str, spans: list[tuple[int, int]], name_words: frozenset[str]) -> list[_Attribution]:
    """Every attribution in ``body`` (whose paragraphs are ``spans``), in document order."""
    found: list[_Attribution] = []
    starts = [lo for lo, _ in spans]
    for verb in _SPEECH.finditer(body):
        lo, hi = spans[bisect.bisect_right(starts, verb.start()) - 1]
        attribution = _attribution_at(body, verb, lo, hi, name_words)
        if attribution is not None:
            found.append(attribution)
    # A participle's subject opens its sentence, before attributions found earlier: keep the list sorted.
    found.sort(key=lambda a: a.start)
    return found


# ---------------------------------------------------------------------------------------------------------
# Speakers


class _Entity:
    """A named person or organisation; gender is learnt from honorifics and from he/she follow-ups."""

    __slots__ = ("gender", "is_org", "name", "title")

    def __init__(self, name: str, title: str | None, gender: str | None, is_org: bool) -> None:
        self.name = name
        self.title = title
        self.gender = gender
        self.is_org = is_org


def _surname(name: str) -> str:
    """The last word of a name that is not a suffix: "Lloyd J. Austin III" → "Austin"."""
    parts = name.split()
    while len(parts) > 1 and parts[-1].rstrip(".").lower() in _NAME_SUFFIXES:
        parts.pop()
    return parts[-1]


class _Speakers:
    """Resolves mentions in document order against the names seen so far."""

    def __init__(self, body: str, runs: list[tuple[int, str]]) -> None:
        self._body = body
        # Runs of capitalised words (offset, text) in document order: full names and titles for surnames.
        self._runs = runs
        self._next_run = 0
        self._parsed: dict[str, _Mention | None] = {}
        self._by_surname: dict[str, _Entity] = {}
        self._by_name: dict[str, _Entity] = {}
        self._history: list[_Entity] = []  # resolved speakers, latest last
        self._mentioned: list[_Entity] = []  # people named anywhere, latest last: the pronoun fallback

    def _register_runs(self, upto: int) -> None:
        """Register the full names that appear before ``upto``."""
        while self._next_run < len(self._runs) and self._runs[self._next_run][0] < upto:
            start, text = self._runs[self._next_run]
            self._next_run += 1
            if text not in self._parsed:  # names repeat: parse each distinct run once
                self._parsed[text] = _parse_segment(self._body, _tokens(self._body, start, start + len(text)))
            mention = self._parsed[text]
            if mention is not None and mention.name is not None and " " in mention.name:
                entity = self._entity(mention)
                if not entity.is_org:
                    self._mentioned.append(entity)

    def _entity(self, mention: _Mention) -> _Entity:
        """The entity for a named mention, merged with what is known of that name or surname."""
        name = mention.name or ""
        surname = _surname(name)
        known = self._by_name.get(name)
        if known is None and " " not in name:
            known = self._by_surname.get(surname)
        if known is None:
            known = _Entity(name, mention.title, mention.gender, mention.is_org)
            self._by_name[name] = known
            if not mention.is_org and " " in name:
                self._by_surname[surname] = known
        else:
            known.title = mention.title or known.title
            known.gender = mention.gender or known.gender
        return known

    def resolve(self, attribution: _Attribution) -> tuple[str | None, str | None]:
        """``(speaker, speaker_title)`` for an attribution; also records it as the latest named speaker."""
        self._register_runs(attribution.start)
        mention = attribution.mention
        if mention.name is not None:
            entity = self._entity(mention)
            self._history.append(entity)
            return entity.name, entity.title
        if mention.pronoun in _PRONOUN_GENDER:
            gender = _PRONOUN_GENDER[mention.pronoun or ""]
            # The last named speaker of a compatible gender, else the last such person named at all (looking
            # back a bounded way, so a long body stays linear).
            recent = itertools.chain(reversed(self._history[-_LOOK_BACK:]), reversed(self._mentioned[-_LOOK_BACK:]))
            for entity in recent:
                if not entity.is_org and entity.gender in (None, gender):
                    entity.gender = gender
                    self._history.append(entity)
                    return entity.name, entity.title
            return None, None
        if mention.description is not None and mention.is_org:
            # "the campaign said" → the latest organisation whose name has that head noun.
            head = mention.description.split()[-1].lower()
            for entity in reversed(self._history[-_LOOK_BACK:]):
                if entity.is_org and head in entity.name.lower():
                    return entity.name, entity.title
        elif mention.description is not None and mention.description.split()[0].lower() == "the":
            # "the judge said" → the latest person whose title has that head noun ("U.S. District Judge …").
            head = mention.description.split()[-1].lower()
            recent = itertools.chain(reversed(self._history[-_LOOK_BACK:]), reversed(self._mentioned[-_LOOK_BACK:]))
            for entity in recent:
                if not entity.is_org and entity.title is not None and head in entity.title.lower().split():
                    self._history.append(entity)
                    return entity.name, entity.title
        return mention.description, None


# ---------------------------------------------------------------------------------------------------------
# Putting it together


class _Attributions:
    """The attributions of a body, sorted by start, with look-ups relative to quote marks."""

    def __init__(self, body: str, items: list[_Attribution]) -> None:
        self.body = body
        self.items = items
        self._starts = [a.start for a in self.items]

    def after(self, passage: _Passage) -> int | None:
        """Index of the attribution right after a passage's closing mark (“…,” Singh said), if any."""
        i = bisect.bisect_left(self._starts, passage.close_at)
        if i == len(self.items) or self.items[i].distant or self.items[i].start - passage.close_at > _WINDOW:
            return None
        attribution = self.items[i]
        subject_first = attribution.mention.start == attribution.start
        if _ends_in_stop(self.body, passage) and subject_first and not self._bare(attribution):
            return None  # “… overlook.” The star then recalled an incident …: a new sentence, not “….” Trump said.
        return None if self.body[passage.close_at : self.items[i].start].strip(" ,—–―-\t") else i

    def _bare(self, attribution: _Attribution) -> bool:
        """Whether a "Name said" attribution stands alone, its verb taking no object: "Trump said.", "Murphy
        tweeted on Friday", not "The star then recalled an incident" or "Kasich said he would have …"."""
        follows = _tokens(self.body, attribution.end, min(len(self.body), attribution.end + 30))[:1]
        if not follows or follows[0].text in {".", ",", ":"}:
            return True
        word = follows[0].bare
        adverbial = word in _PREPOSITIONS or word in _TIME_WORDS or (word.isalpha() and word.endswith("ly"))
        return adverbial and attribution.mention.name is not None

    def before(self, passage: _Passage) -> int | None:
        """Index of the last attribution before a passage in its sentence ("Singh said: “…”", "Clinton
        said the plan was “…”", "Dr. Ward stated:" ending the paragraph before), if any."""
        j = bisect.bisect_left(self._starts, passage.open_at) - 1
        if j < 0 or not 0 <= passage.open_at - self.items[j].end <= _REACH:
            return None
        gap = self.body[self.items[j].end : passage.open_at]
        if _ends_sentence(self.body, self.items[j].end, passage.open_at):
            return None
        # "Dr. Ward stated:" may end the paragraph before the quote.
        if "\n" in gap and not gap.rstrip().endswith(":"):
            return None
        return j

    def subordinate(self, index: int, passage: _Passage) -> bool:
        """Whether attribution ``index`` before a passage is in a subordinate clause that ends before it
        ("When Sanders said …, he “…,” said Drew Heiserman"), so that one right after the passage wins; not
        when the quote is its object ("even as Trump claimed that “…,” one of the prosecutors said")."""
        attribution = self.items[index]
        gap = self.body[attribution.end : passage.open_at]
        return attribution.subordinate and re.search(r",\s+\w", gap) is not None

    def later(self, passage: _Passage) -> int | None:
        """Index of an attribution later in the sentence a passage ends in (“…,” and donations picked up,
        Gilbert said; “…” and “…,” Dean proclaimed), if any."""
        i = bisect.bisect_left(self._starts, passage.close_at)
        if i == len(self.items) or self.items[i].start - passage.close_at > _REACH:
            return None
        if _ends_in_stop(self.body, passage):
            return None  # the sentence ended inside the quote: “… is broken.” Clinton said Wednesday …
        start = self.items[i].start
        gap = self.body[passage.close_at : start]
        return None if "\n" in gap or ";" in gap or _ends_sentence(self.body, passage.close_at, start) else i

    def ending_paragraph_before(self, passage: _Passage) -> int | None:
        """Index of the last attribution of the paragraph just before a passage that opens its paragraph."""
        line_start = _opened_paragraph(self.body, passage.open_at)
        if line_start is None:
            return None
        j = bisect.bisect_left(self._starts, line_start) - 1
        if j < 0 or line_start - self.items[j].end > _REACH:
            return None
        return j if "\n" not in self.body[self.items[j].end : line_start].strip() else None

    def joins(self, prev: _Passage, passage: _Passage) -> bool:
        """Whether only an attribution stands between two passages (“…,” Singh said. “…”), in the same or
        the next paragraph, and the second has no attribution of its own."""
        i = self.after(prev)
        if i is None or self.items[i].weak or self.items[i].end > passage.open_at:
            return False
        if self.after(passage) is not None:
            return False
        attribution = self.items[i]
        if passage.open_at - attribution.end > _WINDOW or "\n" in self.body[attribution.start : attribution.end]:
            return False
        if self.body.count("\n", prev.close_at, passage.open_at) > 1:
            return False
        tail = _tokens(self.body, attribution.end, passage.open_at)
        if tail and tail[-1].is_word:
            return False  # the second passage is what was said: "Fiorina said Ted Cruz “says whatever …”"
        # A few words may follow the verb ("told reporters", "in a statement"), but no other sentence.
        ended = False
        for token in tail:
            if (token.is_word and ended) or token.text in "?!;":
                return False
            ended = ended or token.text == "."
        return len([t for t in tail if t.is_word]) <= 3


def _group(passages: list[_Passage], attributions: _Attributions) -> Iterator[list[int]]:
    """Indexes of passages grouped into quotations: a passage joins the previous one across a bare
    attribution."""
    group: list[int] = []
    for k, passage in enumerate(passages):
        if group and attributions.joins(passages[group[-1]], passage):
            group.append(k)
            continue
        if group:
            yield group
        group = [k]
    if group:
        yield group


def _quote_text(body: str, group: list[_Passage]) -> tuple[str, int, int]:
    """Text, start and end of a quotation; parts are joined by " … " and a trailing comma is dropped."""
    parts = [" ".join(body[s:e] for s, e in passage.pieces if e > s).rstrip(",").rstrip() for passage in group]
    start = group[0].pieces[0][0]
    end = group[-1].pieces[-1][1]
    tail = body[start:end]
    end -= len(tail) - len(tail.rstrip(",").rstrip())
    return " … ".join(part for part in parts if part), start, end


_TITLE_SMALL_WORDS = frozenset(
    {"a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "by", "with", "from", "as", "vs"}
)


def _is_title(tokens: Sequence[str]) -> bool:
    """Whether quoted words are a title rather than speech: every main word capitalised, as in a book, show
    or headline ("13 Hours: The Secret Soldiers of Benghazi")."""
    main = [w for w in tokens if w.lower() not in _TITLE_SMALL_WORDS]
    return len(main) >= 3 and all(w[0].isupper() for w in main)


def _passage_speakers(
    body: str, passages: list[_Passage], attributions: _Attributions, name_words: frozenset[str]
) -> list[_Attribution | None]:
    """For each passage, its attribution (None when nothing names a speaker), the first found of:

    1. an attribution earlier in its sentence, right after it, or later in its sentence;
    2. a weak one (see :func:`_weak_attribution`);
    3. that of the previous passage, when in the same paragraph (“His legend lives on,” Spencer said, as …
       “His stories will live on.”) or ending the paragraph before (a paragraph of quote continuing it);
    4. for a passage opening its sentence, the named subject of the sentence before;
    5. for a passage opening its paragraph, the last attribution of the paragraph before, or the subject of
       that paragraph's last sentence when it ends with a colon or quotes no one before a paragraph of quote.
    """
    found: list[_Attribution | None] = []
    for k, passage in enumerate(passages):
        # "Trump claimed that “…,” one of the prosecutors said": the speech verb opening the sentence wins,
        # unless in a subordinate clause ("When Sanders said …, he “…,” said Heiserman").
        index = attributions.before(passage)
        if index is None or attributions.subordinate(index, passage):
            following = attributions.after(passage)
            index = following if following is not None else index
        if index is None:
            index = attributions.later(passage)
        attribution = attributions.items[index] if index is not None else None
        current: list[_Token] = []
        previous = (0, 0)
        if attribution is None:
            current, previous = _sentence_before(body, passage.open_at)
            attribution = _weak_attribution(body, passage, current, name_words)
        if attribution is None and k > 0:
            gap = body[passages[k - 1].close_at : passage.open_at]
            # Same paragraph, or this passage opens the paragraph right after the previous passage's (not one
            # with a whole paragraph of other text between them).
            if "\n" not in gap or (
                not gap[gap.index("\n") :].strip()
                and not body[_line_start(body, passage.open_at, _WINDOW) : passage.open_at].strip()
            ):
                attribution = found[k - 1]
        if attribution is None and not any(t.is_word for t in current):
            # A quote opening a sentence after one about a named person: "Clinton touted her credentials.
            # “We need …”"
            attribution = _subject(body, _tokens(body, *previous), name_words)
        if attribution is None:
            # A paragraph of quote after a paragraph that ends attributing something to someone ("Clinton
            # responded by pointing a finger …, saying the Sanders campaign was lying.")
            index = attributions.ending_paragraph_before(passage)
            attribution = attributions.items[index] if index is not None else None
        if attribution is None:
            attribution = _paragraph_before_subject(body, passage, name_words)
        found.append(attribution)
    return found


def extract_quotes(body: str, sentences: Sequence[Sentence]) -> tuple[Quote, ...]:
    """Direct quotations of at least ``MIN_QUOTE_WORDS`` words in ``body``, in document order.

    ``sentences`` are the body's sentences (from :func:`digests.text.split_sentences`); each quote reports
    the sentence and paragraph it starts in. A quotation interrupted only by its attribution is one
    ``Quote`` whose parts are joined by " … ". ``score`` and ``rank`` are left at zero for the ranking step.
    """
    spans = list(paragraph_spans(body))
    passages = [p for p in _passages(body, spans) if any(e > s for s, e in p.pieces)]
    if not passages:
        return ()
    runs = [(m.start(), m.group()) for m in _NAME_RUN.finditer(body)]
    name_words = frozenset(_MID_SENTENCE_CAPITAL.findall(body))
    attributions = _Attributions(body, _attributions(body, spans, name_words))
    said = _passage_speakers(body, passages, attributions, name_words)
    # Resolve every attribution in document order, so surnames and he/she see the speakers named before.
    weak = {a for a in said if a is not None and a.weak}
    speakers = _Speakers(body, runs)
    resolved = {a: speakers.resolve(a) for a in sorted([*attributions.items, *weak], key=lambda a: a.start)}
    sentence_starts = [s.start for s in sentences]
    out: list[Quote] = []
    for group in _group(passages, attributions):
        text, start, end = _quote_text(body, [passages[k] for k in group])
        quoted = words(text)
        if len(quoted) < MIN_QUOTE_WORDS or _is_title(quoted) or "<" in text or ">" in text:
            continue  # too short, a title, or markup such as <tweet author="…">
        attribution = next((said[k] for k in group if said[k] is not None), None)
        speaker, title = resolved[attribution] if attribution is not None else (None, None)
        sentence = sentences[max(bisect.bisect_right(sentence_starts, start) - 1, 0)] if sentences else None
        out.append(
            Quote(
                text=text,
                speaker=speaker,
                speaker_title=title,
                sentence_idx=sentence.idx if sentence else 0,
                paragraph=sentence.paragraph if sentence else 0,
                start=start,
                end=end,
            )
        )
    return tuple(out)
