"""Questions 2 and 3 run on golden.json's cases (parameters, a batch, targets as plain numbers):
networks with one hidden layer and with two. Every case is sent, in an order chosen at grading
time: they are few and small, and a wrong step that lowers the loss on some batches and not on
others then gets one verdict, whichever were chosen."""

from __future__ import annotations

import random
from typing import Any

from autograder.checks.observation import Plan
from autograder.golden import Golden

# The probe receives what it needs of each case; the checks look the rest up by index.
SENT = ("params", "x", "y", "lr")


def hidden_layers(case: dict[str, Any]) -> int:
    return len(case["sizes"]) - 2


def choose(rng: random.Random, golden: Golden) -> Plan:
    cases: list[dict[str, Any]] = golden.data["cases"]
    indexes = rng.sample(range(len(cases)), len(cases))
    return {"indexes": indexes, "cases": [{key: cases[i][key] for key in SENT} for i in indexes]}


def chosen(golden: Golden, plan: Plan) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = golden.data["cases"]
    return [cases[i] for i in plan["indexes"]]
