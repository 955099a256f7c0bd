"""The plugin's settings in an otter config, and the assignment they name.

Kept apart from `autograder.plugin` (which imports otter) so that Gradescope's start-up can
read them before otter loads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autograder.assignment import Assignment, default, load

PLUGIN = "autograder.plugin.AutograderPlugin"
# Where the zip's otter_config.json is on Gradescope, under the autograder folder.
OTTER_CONFIG = Path("source") / "otter_config.json"


# The key of the plugin's config naming the assignment (`during_generate` writes it into the
# zip's otter_config.json when the master leaves it out: the master's `name:`).
ASSIGNMENT_KEY = "assignment"


def plugin_settings(otter_config: dict[str, Any]) -> dict[str, Any]:
    """This plugin's entry of an otter config's `plugins:` list (made a dict, in place, when it
    has no settings), or an empty one when the plugin is not listed."""
    for entry in otter_config.get("plugins") or []:
        if isinstance(entry, dict) and PLUGIN in entry:
            if not isinstance(entry[PLUGIN], dict):
                entry[PLUGIN] = {}
            settings: dict[str, Any] = entry[PLUGIN]
            return settings
    return {}


def assignment_of(settings: dict[str, Any], name: str | None = None) -> Assignment:
    """The assignment the plugin's settings name, else `name` (the master's), else the course's
    current one (a zip whose config was edited by hand and lost the name `build` wrote)."""
    chosen = settings.get(ASSIGNMENT_KEY) or name
    return load(str(chosen)) if chosen else default()


def zip_assignment(autograder_dir: Path) -> Assignment:
    """The assignment the autograder zip at `autograder_dir` grades (`during_generate` wrote it
    into the zip's otter_config.json)."""
    config = json.loads((autograder_dir / OTTER_CONFIG).read_text(encoding="utf-8"))
    return assignment_of(plugin_settings(config if isinstance(config, dict) else {}))
