"""A business rule as a named object: its name in code and its title in the living documentation."""

from __future__ import annotations

import attrs


@attrs.frozen
class Rule:
    """A business rule: its name in code and its title in the Russian living documentation.

    `features/**` states every rule once as `Правило: <title_ru>`; a test checks both ways.
    """

    name: str
    title_ru: str
