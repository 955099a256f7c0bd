"""The master notebook's public tests against the assignment's rubric and rules, item by item.

Each autograded question of the master has one public test per rubric item, in the rubric's
order: its `points` are the item's points and its messages open with the item's description and,
after a failure, the item's hint in the master's `hints` mode (`public_messages`, from the
assignment's rubric and `hints`): `grader.check` and Gradescope say the same. Each test states the
grading rules as the checks apply them (`Assignment.rules`: the tolerance of every `rtol`/`atol`
it writes, the figures its item's rule gives), so that the two never judge differently. The
public tests are otter's exception-based tests (`tests: ok_format: false` in the assignment
config): a failure prints the assertion's message (what was found, what was expected), not the
whole test. The build refuses a master that differs, with a message that says what to change
where: the question, the item and the cell (counting the master's cells from 1).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from autograder.assignment import Assignment, Rules
from autograder.hints import HintMode
from autograder.rubric import Item, Question, Rubric

_CONFIG = re.compile(
    r'^(?:.\s*=\s*)?"""?\s*#\s*BEGIN\s*TEST\s*CONFIG(.*?)"""?\s*#\s*END\s*TEST\s*CONFIG',
    re.IGNORECASE | re.DOTALL,
)
# Otter writes the messages into a Python string literal of the test file as they are.
_UNQUOTABLE = ('"', "\\", "\n")
# A tolerance a public test writes: `rtol=1e-05` in its code, `rtol 1e-5` in its comments.
_TOLERANCE = re.compile(
    r"\b(?P<key>rtol|atol)\b\s*[= ]\s*(?P<value>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
)
# The module otter loads the plugin's class from (`plugins:` names it `<module>.<class>`).
_PLUGIN_MODULE = "autograder.plugin."


class MasterMismatch(ValueError):
    """The master notebook's public tests disagree with the assignment's rubric or rules."""


@dataclass(frozen=True)
class PublicTest:
    """One test cell of the master as the comparison reads it."""

    question: str
    position: int  # 1-based, within the question's tests
    cell: int  # 1-based, within the master's cells
    name: str | None  # the item its messages name, None when they name none
    points: float | None
    messages: tuple[str, ...]
    hidden: bool
    source: str


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def item_name(rubric: Rubric, message: str) -> str | None:
    """The item a public test's message names: the one whose description it opens with."""
    named = [item for item in rubric.items if message.strip().startswith(item.description + ":")]
    return max(named, key=lambda item: len(item.description)).name if named else None


def public_messages(assignment: Assignment, item: Item, mode: HintMode) -> tuple[str, str]:
    """(success_message, failure_message) of the item's public test, its hint the assignment's
    (`Assignment.hints`); a failure message may go on after this one with a note of its own
    (" Note: ...", which `write_messages` keeps)."""
    hint = assignment.hints[item.name].text(mode) if item.name in assignment.hints else ""
    return f"{item.description}: correct.", f"{item.description}: not yet." + (
        f" Hint: {hint}" if hint else ""
    )


def _assignment_config(master: Path) -> dict[str, Any]:
    for cell in json.loads(master.read_text())["cells"]:
        source = _source(cell).strip()
        if cell.get("cell_type") == "raw" and source.startswith("# ASSIGNMENT CONFIG"):
            config = yaml.safe_load(source)
            return config if isinstance(config, dict) else {}
    return {}


def plugin_config(master: Path) -> dict[str, Any]:
    """The plugin's settings in the master's assignment config (`plugins:`), as otter passes them:
    those of the entry that names a class of `autograder.plugin`."""
    for entry in _assignment_config(master).get("plugins") or []:
        for name, settings in entry.items() if isinstance(entry, dict) else ():
            if str(name).startswith(_PLUGIN_MODULE):
                return settings if isinstance(settings, dict) else {}
    return {}


def hint_mode(master: Path) -> HintMode:
    return HintMode.read(plugin_config(master).get("hints"))


def _config_differences(master: Path) -> list[str]:
    problems = []
    tests = _assignment_config(master).get("tests") or {}
    if not isinstance(tests, dict) or tests.get("ok_format", True) is not False:
        problems.append(
            "the assignment config: set `tests: ok_format: false` (exception-based public tests: a "
            "failed `grader.check` then prints its reason, not the whole test)."
        )
    try:
        hint_mode(master)
    except ValueError as error:
        problems.append(f"the plugin's config: {error}.")
    return problems


def _read_test(rubric: Rubric, question: str, position: int, cell: int, source: str) -> PublicTest:
    match = _CONFIG.match(source.lstrip())
    config = yaml.safe_load(match.group(1)) if match else None
    config = config if isinstance(config, dict) else {}
    messages = tuple(str(config[key]) for key in ("success_message", "failure_message") if config.get(key))
    names = {item_name(rubric, m) for m in messages}
    name = names.pop() if len(names) == 1 else None
    points = config.get("points")
    # Otter's two ways of hiding a test: `hidden: true`, or a first line `# HIDDEN`.
    first_line = source.lstrip().split("\n", 1)[0]
    hidden = bool(config.get("hidden", first_line.startswith("#") and "hidden" in first_line.lower()))
    return PublicTest(
        question,
        position,
        cell,
        name,
        float(points) if isinstance(points, (int, float)) else None,
        messages,
        hidden,
        source,
    )


def public_tests(rubric: Rubric, master: Path) -> dict[str, list[PublicTest]]:
    """The test cells of each autograded question of the master, in order."""
    tests: dict[str, list[PublicTest]] = {}
    question: str | None = None
    in_tests = False
    for number, cell in enumerate(json.loads(master.read_text())["cells"], start=1):
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
            tests[question].append(_read_test(rubric, question, len(tests[question]) + 1, number, source))
    return tests


def _total_differences(rubric: Rubric, master: Path) -> list[str]:
    """Each autograded question's points in its `# BEGIN QUESTION` cell against the rubric's."""
    problems = []
    for number, cell in enumerate(json.loads(master.read_text())["cells"], start=1):
        source = _source(cell).strip()
        if cell.get("cell_type") != "raw" or not source.startswith("# BEGIN QUESTION"):
            continue
        config = yaml.safe_load(source.split("\n", 1)[1]) if "\n" in source else None
        config = config if isinstance(config, dict) else {}
        name = str(config.get("name"))
        if config.get("manual", False) or name not in rubric.names:
            continue
        found, wanted = config.get("points"), rubric.points(name)
        if not isinstance(found, (int, float)) or float(found) != float(wanted):
            problems.append(
                f"question {name} (cell {number}): the master gives it {found} points, the rubric "
                f"{wanted:g} (set `points: {wanted:g}` in its `# BEGIN QUESTION` cell)."
            )
    return problems


def differences(assignment: Assignment, master: Path) -> list[str]:
    """Every difference between the master's public tests and the assignment's rubric and rules,
    each saying what to change; empty when they agree."""
    problems = _config_differences(master)
    if problems:
        return problems
    mode = hint_mode(master)
    found = public_tests(assignment.rubric, master)
    problems += _total_differences(assignment.rubric, master)
    problems += [
        f"question {q}: the master has it as an autograded question; the rubric has no such "
        "question (remove it, or add it to the assignment's rubric)."
        for q in found
        if q not in assignment.rubric.names
    ]
    for question in assignment.rubric.questions:
        tests = found.get(question.name)
        if tests is None:
            problems.append(
                f"question {question.name}: missing from the master (add a `# BEGIN QUESTION` "
                f"cell with `name: {question.name}` and one public test per item)."
            )
            continue
        problems += _question_differences(assignment, question, tests, mode)
        problems += [problem for test in tests for problem in _rule_differences(assignment.rules, test)]
    return problems


def _question_differences(
    assignment: Assignment, question: Question, tests: list[PublicTest], mode: HintMode
) -> list[str]:
    problems = []
    wanted = [item.name for item in question.items]
    by_name = {test.name: test for test in tests if test.name is not None}
    for test in tests:
        if test.name is None:
            problems.append(
                f"{_where(test)}: its messages name no item; "
                "start `success_message` and `failure_message` with the item's description."
            )
        elif test.name not in wanted:
            problems.append(
                f"question {question.name}: extra test for `{test.name}`, which the rubric does "
                "not grade (remove it, or add the item to the assignment's rubric)."
            )
    for name in sorted({test.name for test in tests if test.name is not None}):
        count = sum(test.name == name for test in tests)
        if count > 1:
            problems.append(f"question {question.name}: {count} tests for `{name}`; keep one.")
    for item in question.items:
        found = by_name.get(item.name)
        if found is None:
            problems.append(
                f"question {question.name}: missing test for item `{item.name}` "
                f"({item.points:g} points, '{item.description}')."
            )
            continue
        problems += _item_differences(assignment, item, found, mode)
    present = [test.name for test in tests if test.name in wanted]
    if not problems and present != wanted:
        problems.append(
            f"question {question.name}: the tests come in the order {present}; the rubric's is {wanted}."
        )
    return problems


def _where(test: PublicTest) -> str:
    """How a problem names a test: its question, its item and its cell."""
    named = f"item `{test.name}`" if test.name is not None else f"test {test.position}"
    return f"question {test.question}, {named} (cell {test.cell})"


def _rule_differences(rules: Rules, test: PublicTest) -> list[str]:
    """Where the test states a rule otherwise than the assignment's rules give it."""
    problems = []
    if rules.tolerance is not None:
        found = [(match["key"], match["value"]) for match in _TOLERANCE.finditer(test.source)]
        for key in ("rtol", "atol"):
            wanted = getattr(rules.tolerance, key)
            # In its code and its comments alike (`rtol=1e-05`, `rtol 1e-5`): each form once.
            other = sorted({value for name, value in found if name == key and float(value) != wanted})
            if other:
                problems.append(
                    f"{_where(test)}: the test compares with {key} {' and '.join(other)}, the "
                    f"assignment's rules with {key} {wanted:g} (write {wanted:g} wherever the test "
                    "states it, or change the rules)."
                )
    for phrase in rules.stated.get(test.name or "", ()):
        if phrase not in test.source:
            problems.append(
                f"{_where(test)}: the test does not say '{phrase}', as the assignment's rules give it "
                "(rewrite the figure it states)."
            )
    return problems


def _item_differences(assignment: Assignment, item: Item, test: PublicTest, mode: HintMode) -> list[str]:
    where = _where(test)
    problems = []
    if test.hidden:
        problems.append(f"{where}: the test is hidden; students must see it (remove `hidden`).")
    if test.points != float(item.points):
        shown = "none" if test.points is None else f"{test.points:g}"
        problems.append(
            f"{where}: the test has points {shown}, the rubric {item.points:g} "
            f"(set `points: {item.points:g}`)."
        )
    wanted = public_messages(assignment, item, mode)
    for key, message, expected in zip(
        ("success_message", "failure_message"), test.messages, wanted, strict=False
    ):
        if not message.startswith(expected):
            problems.append(
                f"{where}: `{key}` reads '{message}'; it should start with '{expected}' (hints: "
                f"{mode.value}; `python -m autograder build --write-messages` rewrites them all)."
            )
        if any(mark in message for mark in _UNQUOTABLE):
            problems.append(
                f"{where}: `{key}` holds a double quote, a backslash or a line break, which otter cannot write."
            )
    if len(test.messages) < 2:
        problems.append(f"{where}: give the test a `success_message` and a `failure_message`.")
    return problems


def check_master(assignment: Assignment, master: Path) -> None:
    """Raise `MasterMismatch` unless every autograded question's public tests are the rubric's
    items one to one (names, points, descriptions, order) and state the assignment's rules."""
    problems = differences(assignment, master)
    if problems:
        raise MasterMismatch(
            f"{master} disagrees with the rubric and rules of {assignment.folder}:\n- "
            + "\n- ".join(problems)
        )


_MESSAGE_LINE = re.compile(r"^(?P<key>success_message|failure_message): .*$", re.MULTILINE)


def _message_line(wanted: dict[str, str], line: re.Match[str]) -> str:
    """A message's line of a test config, in YAML's single quotes."""
    return f"{line['key']}: '" + wanted[line["key"]].replace("'", "''") + "'"


def write_messages(assignment: Assignment, master: Path) -> int:
    """Rewrite the messages of the master's public tests for its `hints` mode (after the
    instructor changes it): each test whose messages name an item gets `public_messages`,
    keeping a failure message's note after the hint. Returns how many tests changed."""
    mode = hint_mode(master)
    notebook = json.loads(master.read_text())
    changed = 0
    for cell in notebook["cells"]:
        source = _source(cell)
        match = _CONFIG.match(source.lstrip()) if cell.get("cell_type") == "code" else None
        config = yaml.safe_load(match.group(1)) if match else None
        if not isinstance(config, dict):
            continue
        name = item_name(
            assignment.rubric, str(config.get("success_message") or config.get("failure_message") or "")
        )
        if name is None:
            continue
        item = assignment.rubric.item_named(name)
        old_failure = str(config.get("failure_message") or "")
        note = old_failure.split(" Note: ", 1)[1] if " Note: " in old_failure else ""
        success, failure = public_messages(assignment, item, mode)
        wanted = {"success_message": success, "failure_message": failure + (f" Note: {note}" if note else "")}
        rewritten = _MESSAGE_LINE.sub(partial(_message_line, wanted), source)
        if rewritten != source:
            cell["source"] = (
                rewritten.splitlines(keepends=True) if isinstance(cell["source"], list) else rewritten
            )
            changed += 1
    if changed:
        master.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return changed
