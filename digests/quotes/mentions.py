"""Speaker phrases: a run of tokens read as a [title] name, a pronoun or a description."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from digests.quotes.lexicon import (
    CLAUSE_OPENERS,
    CONNECTORS,
    DETERMINERS,
    DETERMINERS_AND_CONNECTORS,
    FUNCTION_WORDS,
    HONORIFIC_GENDER,
    INDEFINITE,
    NAME_SUFFIXES,
    NOT_IN_TITLE,
    NOT_NAME,
    ORG_WORDS,
    OTHER_PRONOUNS,
    PARTICLES,
    PARTICLES_AND_SUFFIXES,
    PLACES,
    PREPOSITIONS,
    PREPOSITIONS_AND_RELATIVES,
    PRONOUN_GENDER,
    TITLE_WORDS,
    TITLE_WORDS_AND_PARTICLES,
)
from digests.quotes.tokens import Token, span_text, split_segments, strip_parentheses


@dataclass(frozen=True, slots=True)
class Mention:
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


def is_name_token(token: Token) -> bool:
    bare = token.bare
    if bare in NAME_SUFFIXES or bare in PARTICLES or _is_initial(token):
        return True  # "Jr.", "III", "al", and initials such as "J."
    if not token.is_capitalised:
        return False
    return bare not in TITLE_WORDS and bare not in NOT_NAME and bare not in HONORIFIC_GENDER and "-based" not in bare


def title_of(body: str, tokens: list[Token]) -> str | None:
    """``tokens`` as a title if they read like one ("Deputy Pentagon Press Secretary"), else None."""
    while tokens and tokens[0].bare in DETERMINERS_AND_CONNECTORS:
        tokens = tokens[1:]
    while tokens and tokens[-1].bare in CONNECTORS:
        tokens = tokens[:-1]
    if not tokens or len(tokens) > 8:
        return None
    if not any(t.bare in TITLE_WORDS and t.bare not in CONNECTORS for t in tokens):
        return None
    if not all(t.is_capitalised or t.bare in TITLE_WORDS or t.text[0].isdigit() for t in tokens):
        return None
    return span_text(body, tokens)


def title_suffix(tokens: list[Token]) -> list[Token]:
    """The words just before a name that may form its title: capitalised words, title words, ordinals."""
    cut = len(tokens)
    while cut > 0 and (
        tokens[cut - 1].is_capitalised or tokens[cut - 1].bare in TITLE_WORDS or tokens[cut - 1].text[0].isdigit()
    ):
        cut -= 1
    return tokens[cut:]


def parse_segment(body: str, tokens: list[Token]) -> Mention | None:
    """Parse one noun phrase: [title] name, a pronoun, or a short description ("a campaign spokesman")."""
    if not tokens or not tokens[0].is_word:
        return None
    last = tokens[-1]
    if last.bare in PRONOUN_GENDER or last.bare in OTHER_PRONOUNS:
        return Mention(last.start, last.end, pronoun=last.bare) if len(tokens) == 1 else None
    cut = _name_start(tokens)
    if tokens[0].bare in INDEFINITE and len(tokens) > 1:
        # "a former Bush administration official who sits on the board of the Republican Jewish Coalition"
        return _described(body, tokens)
    if cut == len(tokens):
        # "a campaign spokesman", "Sanders’ campaign manager", "Time’s Managing Editor": a description.
        if len(tokens) <= 6 and (
            (last.text.isalpha() and last.text.islower() and last.bare not in FUNCTION_WORDS)
            or title_of(body, tokens) is not None
        ):
            return _described(body, tokens, is_org=last.bare in ORG_WORDS)
        return None
    return _name_after(body, tokens, cut)


def _name_start(tokens: list[Token]) -> int:
    """Where the name at the end of a phrase starts: the run of name-like tokens; what comes before it may be a
    title."""
    cut = len(tokens)
    while cut > 0 and is_name_token(tokens[cut - 1]):
        if cut < len(tokens) and tokens[cut - 1].text.endswith(("’s", "'s")):
            break  # "The Post's Ruth Marcus": the possessive is not part of the name
        cut -= 1
    while cut < len(tokens) and tokens[cut].bare in PARTICLES_AND_SUFFIXES:
        cut += 1
    return cut


def _described(body: str, tokens: list[Token], *, is_org: bool = False) -> Mention:
    return Mention(tokens[0].start, tokens[-1].end, description=span_text(body, tokens), is_org=is_org)


def _name_after(body: str, tokens: list[Token], cut: int) -> Mention | None:
    """The mention of a phrase whose name starts at ``cut``, read by the words before it (``head``)."""
    head, name_tokens = tokens[:cut], tokens[cut:]
    described = (
        bool(head)
        and head[-1].bare in PREPOSITIONS
        and all(not t.is_capitalised or t.bare in DETERMINERS for t in head)
    )
    if " ".join(t.bare for t in name_tokens) in PLACES and not described:
        return None  # "Columbus, Ohio": a place, not a speaker (but "the senator from Vermont" is one)
    if name_tokens[-1].text.endswith(("’s", "'s")):
        return None  # "Axelrod’s": a possessive, not someone speaking
    if (
        head
        and not head[0].is_capitalised
        and any(a.bare in PREPOSITIONS and b.bare in DETERMINERS for a, b in itertools.pairwise(head))
    ):
        # "executive director of the Campaign Legal Center": a description of someone named elsewhere.
        return _described(body, tokens)
    if len(head) > 1 and head[-1].bare in {"of", "from"} and is_name_token(head[-2]):
        return parse_segment(body, head[:-1])  # "Sen. Tom Carper of Delaware" → Tom Carper
    if head and head[-1].bare in PREPOSITIONS:
        return _described(body, tokens)  # "a spokesman for Sanders": the name only qualifies a description
    if head and head[0].bare == "the" and any(t.bare in PREPOSITIONS for t in head):
        # "the Democratic chair of Florida’s Palm Beach County": a description of someone named elsewhere.
        return _described(body, tokens)
    if head and head[-1].bare == "the":
        if len(head) > 1:  # "founder of the Media Research Center": a description
            return _described(body, tokens)
        # "the Global Times", "the Pentagon": an organisation.
        return Mention(head[-1].start, tokens[-1].end, span_text(body, name_tokens), is_org=True)
    if head and head[-1].bare in DETERMINERS:
        return None  # "a Clinton": not a plain name
    if len(name_tokens) > 2 and all(t.text.isupper() and len(t.text) > 2 for t in name_tokens):
        return None  # "CONGRESS HAS INVESTIGATED HIM": a heading in capitals, not a name
    return _named(body, head, name_tokens)


def _named(body: str, head: list[Token], name_tokens: list[Token]) -> Mention:
    """A [title] name: gender from an honorific before it, a title from the words before that."""
    gender = None
    start = name_tokens[0].start
    if head and head[-1].bare in HONORIFIC_GENDER:
        start = head[-1].start  # "Mr. Ryan said": the attribution starts at "Mr."
        gender = HONORIFIC_GENDER[head.pop().bare]
    title_tokens = title_suffix(head)
    title = title_of(body, title_tokens) if title_tokens else None
    if title is not None:
        start = min(start, body.index(title, title_tokens[0].start))
    is_org = any(t.bare in ORG_WORDS for t in name_tokens) or (
        len(name_tokens) == 1 and name_tokens[0].text.isupper() and len(name_tokens[0].text) > 1
    )
    return Mention(start, name_tokens[-1].end, span_text(body, name_tokens), title, gender, is_org=is_org)


def leading_phrase(tokens: list[Token], *, after_verb: bool = False) -> list[Token]:
    """The [title] name a phrase starts with: "pollster Frank Luntz in a statement" → "pollster Frank Luntz".

    Lower-case words may precede the name ("said pollster Frank Luntz"); only after a speech verb may they
    also follow a capitalised word ("said Montclair State University political scientist Brigid Harrison"),
    since elsewhere that is a verb ("Clinton acknowledged Sanders").
    """
    cut = 1 if len(tokens) > 1 and tokens[0].bare == "the" and tokens[1].is_capitalised else 0
    if after_verb and len(tokens) > 1 and tokens[0].bare in INDEFINITE:
        cut = 1  # "said a Nevada Democrat", "added another New Hampshire Republican"
    named = False  # after a name, "of" starts a place or employer: "Stephanie Hooton of Derry"
    while (
        cut < len(tokens)
        and not (named and tokens[cut].bare in CONNECTORS)
        and (
            (tokens[cut].is_capitalised and (tokens[cut].bare not in NOT_NAME or _is_initial(tokens[cut])))
            or tokens[cut].bare in TITLE_WORDS_AND_PARTICLES
            or tokens[cut].text[0].isdigit()
            # a few lower-case words of a title ("pollster", "host") before the name
            or (
                (cut < 6 if after_verb else cut < 3 and not named)
                and tokens[cut].text.replace("-", "").isalpha()
                and tokens[cut].text.islower()
                and tokens[cut].bare not in NOT_IN_TITLE
                and tokens[cut].bare not in PRONOUN_GENDER
            )
        )
    ):
        named = named or is_name_token(tokens[cut])
        cut += 1
    while cut > 0 and not tokens[cut - 1].is_capitalised:
        cut -= 1  # the phrase ends with the name
    return tokens[:cut] or tokens[:1]


def parse_phrase(body: str, tokens: list[Token], *, before_verb: bool) -> Mention | None:
    """The speaker in a phrase next to a speech verb, taking a title from an apposition.

    Before the verb the comma-separated segment closest to the verb counts ("In a statement, Clinton said");
    after it, the first ("said Sabrina Singh, deputy Pentagon press secretary").
    """
    segments = split_segments(strip_parentheses(tokens))
    if not segments:
        return None
    order = _before_verb_order(segments) if before_verb else _after_verb_order(segments)
    if not order:
        return None
    mention = parse_segment(body, order[0])
    if before_verb and (mention is None or mention.description is not None):
        # "Clinton, the Democratic nominee, said", "Nate Silver, the polling guru who founded …, tweeted":
        # the name stands before the apposition.
        for segment in order[1:5]:
            named = parse_segment(body, segment)
            if named is not None and named.name is not None:
                title = named.title or title_of(body, order[0])
                end = mention.end if mention is not None else named.end
                return Mention(named.start, end, named.name, title, named.gender, is_org=named.is_org)
        return mention
    if mention is None:
        return None
    if mention.name is not None and mention.title is None and not before_verb and len(order) > 1:
        title = title_of(body, order[1])
        if title is not None:
            return Mention(mention.start, order[1][-1].end, mention.name, title, mention.gender, is_org=mention.is_org)
    return mention


def _before_verb_order(segments: list[list[Token]]) -> list[list[Token]]:
    """The segments before a speech verb that may hold its speaker, nearest first."""
    nearest = segments[-1]
    relative = len(nearest) > 1 and nearest[0].bare == "who" and nearest[1].is_capitalised  # "who Beck called"
    if relative or (len(nearest) > 1 and nearest[0].bare in CLAUSE_OPENERS):
        # "the Stonewall Inn, which President Obama declared", "…, while Cruz said": the name after the
        # pronoun or conjunction is the speaker.
        segments[-1] = nearest[1:]
    clause = next((r for r in range(len(segments) - 2, 0, -1) if segments[r][0].bare in {"who", "whose"}), 0)
    if clause:
        # "Michael Seaman, who lives outside the state capital, Sacramento, said": what follows the relative
        # clause's first comma still belongs to it.
        segments = segments[: clause + 1]
    # Skip relative clauses, ages and participle phrases: "Graham, who says …, tweeted", "Butz, 49, told",
    # "Larry David, playing Sanders on NBC's Saturday Night Live, said".
    return [seg for seg in reversed(segments) if not _aside(seg)]


def _aside(segment: list[Token]) -> bool:
    first = segment[0]
    participle = first.text.islower() and first.bare.endswith("ing")
    return first.bare in PREPOSITIONS_AND_RELATIVES or first.text.isdigit() or participle


def _after_verb_order(segments: list[list[Token]]) -> list[list[Token]]:
    """The segments after a speech verb that may hold its speaker: the [title] name opening the first, then the
    rest (a title in apposition); none when a verb follows the name ("said House Speaker Paul Ryan should
    resign": the name starts what was said)."""
    phrase = leading_phrase(segments[0], after_verb=True)
    rest = segments[0][len(phrase) : len(phrase) + 1]
    verb_follows = rest and rest[0].text.isalpha() and rest[0].text.islower()
    if verb_follows and rest[0].bare not in PREPOSITIONS_AND_RELATIVES and not rest[0].bare.endswith("ing"):
        return []
    return [phrase, *segments[1:]]


def named_segment(body: str, tokens: list[Token]) -> bool:
    """Whether the first comma-separated segment of ``tokens`` is exactly a [title] name."""
    segments = split_segments(tokens)
    if not segments or not segments[0][0].is_capitalised:
        return False
    mention = parse_segment(body, segments[0])
    return mention is not None and mention.name is not None and mention.end == segments[0][-1].end


def plausible(mention: Mention | None, name_words: frozenset[str]) -> bool:
    """Whether a mention read without a speech verb names someone: a pronoun (he/she), a name of two words or
    with a title, or a single word also capitalised in mid-sentence elsewhere (not a capitalised "Later")."""
    if mention is None:
        return False
    if mention.name is None:
        return mention.pronoun in PRONOUN_GENDER
    return " " in mention.name or mention.title is not None or mention.name in name_words


def _is_initial(token: Token) -> bool:
    """An initial such as "A." in "Jock A. Finlayson" (not the article "A")."""
    return len(token.text) == 2 and token.text[1] == "."
