"""The master notebook's public tests against the rubric, item by item.

Each autograded question of the master has one public test per rubric item, in the rubric's
order: its `points` are the item's points and its messages open with `[name] description`
(the student sees the item's name and description next to what `grader.check` found). The
build refuses a master that differs, with a message that says what to change where.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from autograder import rubric

_CONFIG = re.compile(r'^(?:.\s*=\s*)?"""?\s*#\s*BEGIN\s*TEST\s*CONFIG(.*?)"""?\s*#\s*END\s*TEST\s*CONFIG',
                     re.IGNORECASE | re.DOTALL)
# A message naming its item: "[name] description: ..."
_NAMED = re.compile(r"^\[(?P<name>[A-Za-z0-9_]+)\] (?P<rest>.*)$", re.DOTALL)


class MasterMismatch(ValueError):
    """The master notebook's public tests disagree with `autograder/rubric.py`."""


@dataclass(frozen=True)
class PublicTest:
    """One test cell of the master as the comparison reads it."""

    question: str
    position: int  # 1-based, within the question's tests
    name: str | None  # the item its messages name, None when they name none
    points: float | None
    messages: tuple[str, ...]
    hidden: bool


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def item_name(message: str) -> str | None:
    """The item a public test's message names (`[first] ...` names `first`)."""
    match = _NAMED.match(message.strip())
    return match.group("name") if match else None


def _read_test(question: str, position: int, source: str) -> PublicTest:
    match = _CONFIG.match(source.lstrip())
    config = yaml.safe_load(match.group(1)) if match else None
    config = config if isinstance(config, dict) else {}
    messages = tuple(str(config[key]) for key in ("success_message", "failure_message") if config.get(key))
    names = {item_name(m) for m in messages}
    name = names.pop() if len(names) == 1 else None
    points = config.get("points")
    # Otter's two ways of hiding a test: `hidden: true`, or a first line `# HIDDEN`.
    first_line = source.lstrip().split("\n", 1)[0]
    hidden = bool(config.get("hidden", first_line.startswith("#") and "hidden" in first_line.lower()))
    return PublicTest(question, position, name, float(points) if isinstance(points, (int, float)) else None,
                      messages, hidden)


def public_tests(master: Path) -> dict[str, list[PublicTest]]:
    """The test cells of each autograded question of the master, in order."""
    tests: dict[str, list[PublicTest]] = {}
    question: str | None = None
    in_tests = False
    for cell in json.loads(master.read_text())["cells"]:
        source = _source(cell).strip()
        if cell.get("cell_type") == "raw":
            if source.startswith("# BEGIN QUESTION"):
                config = yaml.safe_load(source.split("\n", 1)[1]) or {}
                question = None if config.get("manual", False) else str(config.get("name"))
                if question is not None:
                    tests.setdefault(question, [])
            elif source.startswith("# END QUESTION"):
                question = None
            in_tests = {"# BEGIN TESTS": True, "# END TESTS": False}.get(source, in_tests)
        elif cell.get("cell_type") == "code" and in_tests and question is not None:
            tests[question].append(_read_test(question, len(tests[question]) + 1, source))
    return tests


def _expected_message(item: rubric.Item) -> str:
    return f"[{item.name}] {item.description}"


def differences(master: Path) -> list[str]:
    """Every difference between the master's public tests and the rubric, each saying what
    to change; empty when they agree."""
    found = public_tests(master)
    problems = [f"question {q}: the master has it as an autograded question; the rubric has no such "
                "question (remove it, or add it to autograder/rubric.py)."
                for q in found if q not in rubric.QUESTIONS]
    for question in rubric.ASSIGNMENT_QUESTIONS:
        tests = found.get(question.name)
        if tests is None:
            problems.append(f"question {question.name}: missing from the master (add a `# BEGIN QUESTION` "
                            f"cell with `name: {question.name}` and one public test per item).")
            continue
        problems += _question_differences(question, tests)
    return problems


def _question_differences(question: rubric.Question, tests: list[PublicTest]) -> list[str]:
    problems = []
    wanted = [item.name for item in question.items]
    by_name = {test.name: test for test in tests if test.name is not None}
    for test in tests:
        if test.name is None:
            problems.append(f"question {question.name}, test {test.position}: its messages name no item; "
                            "start `success_message` and `failure_message` with `[item] description`.")
        elif test.name not in wanted:
            problems.append(f"question {question.name}: extra test for `{test.name}`, which the rubric does "
                            "not grade (remove it, or add the item to autograder/rubric.py).")
    for name in sorted({test.name for test in tests if test.name is not None}):
        count = sum(test.name == name for test in tests)
        if count > 1:
            problems.append(f"question {question.name}: {count} tests for `{name}`; keep one.")
    for item in question.items:
        found = by_name.get(item.name)
        if found is None:
            problems.append(f"question {question.name}: missing test for item `{item.name}` "
                            f"({item.points:g} points, '{item.description}').")
            continue
        problems += _item_differences(question.name, item, found)
    present = [test.name for test in tests if test.name in wanted]
    if not problems and present != wanted:
        problems.append(f"question {question.name}: the tests come in the order {present}; the rubric's is "
                        f"{wanted}.")
    return problems


def _item_differences(question: str, item: rubric.Item, test: PublicTest) -> list[str]:
    where = f"question {question}, item `{item.name}`"
    problems = []
    if test.hidden:
        problems.append(f"{where}: the test is hidden; students must see it (remove `hidden`).")
    if test.points != float(item.points):
        shown = "none" if test.points is None else f"{test.points:g}"
        problems.append(f"{where}: the test has points {shown}, the rubric {item.points:g} "
                        f"(set `points: {item.points:g}`).")
    for message in test.messages:
        if not message.startswith(_expected_message(item)):
            problems.append(f"{where}: a message reads '{message[:80]}'; it should start with "
                            f"'{_expected_message(item)}'.")
    return problems


def check_master(master: Path) -> None:
    """Raise `MasterMismatch` unless every autograded question's public tests are the rubric's
    items one to one (names, points, descriptions, order)."""
    problems = differences(master)
    if problems:
        raise MasterMismatch(f"{master} disagrees with autograder/rubric.py:\n- " + "\n- ".join(problems))
