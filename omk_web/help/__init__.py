"""The help section's articles: Markdown files in `articles/`, rendered once with markdown-it-py.

Raw HTML in an article is escaped (the renderer runs with `html` off), so an article can never carry a
script. A line `::: rules <context>` is replaced by the rules catalogue of that context in code —
the same `Rule` objects the use cases enforce — each with its explanation from `rules/<context>.md`
(a `## <rule name>` section per rule), so the help can never list a rule the code does not have, nor
miss one it has.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Mapping
from pathlib import Path

import attrs
from markdown_it import MarkdownIt

from omk_domain.auctions import rules as auction_rules
from omk_domain.requests import rules as request_rules
from omk_domain.shared.rules import Rule

HERE = Path(__file__).parent
ARTICLES = HERE / "articles"
EXPLANATIONS = HERE / "rules"
#: the rules catalogues an article may list, by the context named after `::: rules`
CATALOGUES: Mapping[str, tuple[Rule, ...]] = {"auctions": auction_rules.RULES, "requests": request_rules.RULES}

_FILE_NAME = re.compile(r"(?P<order>\d+)-(?P<slug>[a-z0-9-]+)\.md")
_FRONT = re.compile(r"\A---\n(?P<head>.*?)\n---\n(?P<body>.*)\Z", re.S)
_DIRECTIVE = re.compile(r"^::: rules (?P<context>[a-z_]+)[ \t]*$", re.M)
_SECTION = re.compile(r"^## (?P<name>[a-z_]+)[ \t]*$", re.M)


class HelpContentError(RuntimeError):
    """An article or a rule explanation is malformed (a developer's mistake, caught by the tests)."""


@attrs.frozen(kw_only=True)
class Article:
    slug: str
    title: str
    summary: str
    order: int
    #: the rendered body, safe to put in a page as it is
    html: str


def _markdown() -> MarkdownIt:
    # commonmark with tables; raw HTML is escaped, links are checked (no javascript: or data: URLs)
    return MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")


def explanations(context: str) -> dict[str, str]:
    """Rule name → Markdown explanation, from `rules/<context>.md`."""
    text = (EXPLANATIONS / f"{context}.md").read_text(encoding="utf-8")
    parts = _SECTION.split(text)
    if parts[0].strip():
        raise HelpContentError(f"rules/{context}.md: text before the first «## rule_name»")
    found: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in found:
            raise HelpContentError(f"rules/{context}.md: {name} explained twice")
        found[name] = body.strip()
    return found


def rules_html(context: str, md: MarkdownIt | None = None) -> str:
    """The catalogue of `context` as HTML: every rule's Russian title (from code) and its explanation."""
    try:
        catalogue = CATALOGUES[context]
    except KeyError:
        raise HelpContentError(f"no rules catalogue named {context!r}") from None
    md = md or _markdown()
    explained = explanations(context)
    missing = [rule.name for rule in catalogue if rule.name not in explained]
    stale = sorted(set(explained) - {rule.name for rule in catalogue})
    if missing or stale:
        raise HelpContentError(f"rules/{context}.md: not explained {missing}, not in code {stale}")
    sections = [f'<section class="help-rule" id="rule-{rule.name}">\n<h3>{html.escape(rule.title_ru)}</h3>\n'
                f"{md.render(explained[rule.name])}</section>" for rule in catalogue]
    return '<div class="help-rules">\n' + "\n".join(sections) + "\n</div>\n"


def _render(body: str, md: MarkdownIt) -> str:
    out: list[str] = []
    position = 0
    for directive in _DIRECTIVE.finditer(body):
        out.append(md.render(body[position:directive.start()]))
        out.append(rules_html(directive["context"], md))
        position = directive.end()
    out.append(md.render(body[position:]))
    return "".join(out)


def _article(path: Path, md: MarkdownIt) -> Article:
    named = _FILE_NAME.fullmatch(path.name)
    front = _FRONT.match(path.read_text(encoding="utf-8"))
    if named is None or front is None:
        raise HelpContentError(f"{path.name}: expected NN-slug.md starting with a --- title/summary --- block")
    head = dict(line.split(":", 1) for line in front["head"].splitlines() if ":" in line)
    title, summary = head.get("title", "").strip(), head.get("summary", "").strip()
    if not title or not summary:
        raise HelpContentError(f"{path.name}: title and summary are required")
    return Article(slug=named["slug"], title=title, summary=summary, order=int(named["order"]),
                   html=_render(front["body"], md))


@functools.cache
def articles() -> tuple[Article, ...]:
    """Every article, in the order of their file names; rendered once per process."""
    md = _markdown()
    found = tuple(sorted((_article(path, md) for path in ARTICLES.glob("*.md")), key=lambda a: (a.order, a.slug)))
    slugs = [a.slug for a in found]
    if len(set(slugs)) != len(slugs):
        raise HelpContentError(f"two articles share a slug: {slugs}")
    return found


def article(slug: str) -> Article | None:
    return next((a for a in articles() if a.slug == slug), None)
