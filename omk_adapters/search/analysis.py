"""Russian morphology for the embedded indexes: the words PostgreSQL's `russian` configuration
keeps, reduced to the same Snowball stems.

PostgreSQL's `russian` text-search configuration stems Cyrillic words with the Snowball Russian
stemmer, Latin words with the Snowball English one, keeps words with digits as they are, and drops
the stop words of its `russian.stop` / `english.stop` lists. The in-memory and SQLite indexes use
this module so all three find the same lots for the same words: «трубы бесшовные» and «труба
бесшовная» both become «труб бесшовн». Folding case and «ё» to «е» happens before (`words_of`).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable

import snowballstemmer

from omk_domain.search import TextClause, words_of

#: PostgreSQL 15 tsearch_data/russian.stop (the Snowball list)
RUSSIAN_STOP_WORDS = frozenset((
    "и", "в", "во", "не", "что", "он", "на", "я", "с",
    "со", "как", "а", "то", "все", "она", "так", "его", "но", "да", "ты", "к", "у", "же", "вы", "за", "бы",
    "по", "только", "ее", "мне", "было", "вот", "от", "меня", "еще", "нет", "о", "из", "ему", "теперь",
    "когда", "даже", "ну", "вдруг", "ли", "если", "уже", "или", "ни", "быть", "был", "него", "до", "вас",
    "нибудь", "опять", "уж", "вам", "ведь", "там", "потом", "себя", "ничего", "ей", "может", "они", "тут",
    "где", "есть", "надо", "ней", "для", "мы", "тебя", "их", "чем", "была", "сам", "чтоб", "без", "будто",
    "чего", "раз", "тоже", "себе", "под", "будет", "ж", "тогда", "кто", "этот", "того", "потому", "этого",
    "какой", "совсем", "ним", "здесь", "этом", "один", "почти", "мой", "тем", "чтобы", "нее", "сейчас",
    "были", "куда", "зачем", "всех", "никогда", "можно", "при", "наконец", "два", "об", "другой", "хоть",
    "после", "над", "больше", "тот", "через", "эти", "нас", "про", "всего", "них", "какая", "много", "разве",
    "три", "эту", "моя", "впрочем", "хорошо", "свою", "этой", "перед", "иногда", "лучше", "чуть", "том",
    "нельзя", "такой", "им", "более", "всегда", "конечно", "всю", "между",
))
#: PostgreSQL 15 tsearch_data/english.stop
ENGLISH_STOP_WORDS = frozenset((
    "i", "me", "my", "myself", "we", "our", "ours",
    "ourselves", "you", "your", "yours", "yourself", "yourselves", "he", "him", "his", "himself", "she",
    "her", "hers", "herself", "it", "its", "itself", "they", "them", "their", "theirs", "themselves", "what",
    "which", "who", "whom", "this", "that", "these", "those", "am", "is", "are", "was", "were", "be", "been",
    "being", "have", "has", "had", "having", "do", "does", "did", "doing", "a", "an", "the", "and", "but",
    "if", "or", "because", "as", "until", "while", "of", "at", "by", "for", "with", "about", "against",
    "between", "into", "through", "during", "before", "after", "above", "below", "to", "from", "up", "down",
    "in", "out", "on", "off", "over", "under", "again", "further", "then", "once", "here", "there", "when",
    "where", "why", "how", "all", "any", "both", "each", "few", "more", "most", "other", "some", "such", "no",
    "nor", "not", "only", "own", "same", "so", "than", "too", "very", "s", "t", "can", "will", "just", "don",
    "should", "now",
))

_RUSSIAN = snowballstemmer.stemmer("russian")
_ENGLISH = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str | None:
    """The index term of one folded word, or None for a stop word."""
    if any(ch.isdigit() for ch in word):
        return word
    if word.isascii():
        return None if word in ENGLISH_STOP_WORDS else str(_ENGLISH.stemWord(word))
    return None if word in RUSSIAN_STOP_WORDS else str(_RUSSIAN.stemWord(word))


def terms(text: str) -> Counter[str]:
    """The index terms of a text with how often each occurs."""
    return Counter(t for t in (stem(w) for w in words_of(text)) if t is not None)


@functools.lru_cache(maxsize=4096)
def _stems(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in (stem(w) for w in words) if t is not None))


def term_clauses(clauses: Iterable[TextClause]) -> tuple[TextClause, ...]:
    """The query's clauses in index terms; a clause left with no wanted term is dropped (as PostgreSQL
    drops stop words), so text made only of stop words finds nothing."""
    out = []
    for clause in clauses:
        include = _stems(clause.include)
        if include:
            out.append(TextClause(include=include, exclude=_stems(clause.exclude)))
    return tuple(out)
