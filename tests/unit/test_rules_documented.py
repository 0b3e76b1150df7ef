"""Every rule in code — auctions and identity — is stated in the Russian living documentation, and
nothing else is."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from gherkin.parser import Parser

from omk_domain.auctions import rules as auction_rules
from omk_domain.identity import rules as identity_rules
from omk_domain.requests import rules as request_rules

pytestmark = pytest.mark.unit

FEATURES = Path(__file__).resolve().parents[2] / "features"
RULE_LINE = re.compile(r"^\s*Правило:\s*(?P<title>.+?)\s*$")
#: every catalogue of named rules, with the folder of features/ that states it
CATALOGUES = {"auctions": auction_rules.RULES, "identity": identity_rules.RULES, "requests": request_rules.RULES}
RULES = tuple(rule for catalogue in CATALOGUES.values() for rule in catalogue)


def feature_files() -> list[Path]:
    return sorted(FEATURES.rglob("*.feature"))


def documented_rules() -> list[tuple[Path, str]]:
    return [(path, m["title"]) for path in feature_files()
            for line in path.read_text(encoding="utf-8").splitlines()
            if (m := RULE_LINE.match(line))]


def test_there_are_features_to_check() -> None:
    assert feature_files(), f"no .feature files under {FEATURES}"


def test_every_feature_is_russian_and_has_an_ascii_file_name() -> None:
    for path in feature_files():
        assert path.read_text(encoding="utf-8").splitlines()[0].strip() == "# language: ru", path
        assert path.relative_to(FEATURES).as_posix().isascii(), path


def test_every_rule_in_code_is_stated_as_a_feature_rule() -> None:
    stated = {title for _, title in documented_rules()}
    missing = [f"{rule.name}: {rule.title_ru}" for rule in RULES if rule.title_ru not in stated]
    assert not missing, "rules without a «Правило:» in features/: " + "; ".join(missing)


def test_every_feature_rule_names_a_rule_in_code() -> None:
    known = {rule.title_ru for rule in RULES}
    unknown = [f"{path.name}: {title}" for path, title in documented_rules() if title not in known]
    assert not unknown, "«Правило:» lines that are in no rules catalogue: " + "; ".join(unknown)


@pytest.mark.parametrize("context", sorted(CATALOGUES))
def test_each_catalogue_is_stated_in_its_own_features_folder(context: str) -> None:
    stated = {title for path, title in documented_rules() if path.relative_to(FEATURES).parts[0] == context}
    missing = [rule.name for rule in CATALOGUES[context] if rule.title_ru not in stated]
    assert CATALOGUES[context] and not missing, f"{context} rules not stated in features/{context}/: {missing}"


def test_each_rule_is_stated_once() -> None:
    counts = Counter(title for _, title in documented_rules())
    assert [title for title, n in counts.items() if n > 1] == []


def test_rule_names_and_titles_are_unique_in_code() -> None:
    assert len({r.name for r in RULES}) == len(RULES)
    assert len({r.title_ru for r in RULES}) == len(RULES)


def test_every_feature_rule_is_illustrated_by_at_least_one_scenario() -> None:
    empty = []
    for path in feature_files():
        feature = Parser().parse(path.read_text(encoding="utf-8"))["feature"]
        for child in feature["children"]:
            rule = child.get("rule")
            if rule is not None and not any("scenario" in c for c in rule["children"]):
                empty.append(f"{path.name}: {rule['name']}")
    assert not empty, "rules with no scenario: " + "; ".join(empty)


def test_outlines_state_their_boundaries_in_examples() -> None:
    bare = []
    for path in feature_files():
        feature = Parser().parse(path.read_text(encoding="utf-8"))["feature"]
        rules = [c["rule"] for c in feature["children"] if "rule" in c]
        for scenario in (c["scenario"] for rule in rules for c in rule["children"] if "scenario" in c):
            if "<" in " ".join(step["text"] for step in scenario["steps"]) and not scenario["examples"]:
                bare.append(f"{path.name}: {scenario['name']}")
    assert not bare, "outlines without «Примеры»: " + "; ".join(bare)
