"""What the kernel looked like after the run, and what its reports were up against, as flags
for a TA.

The probe's last request (`probe_protocol.TAMPER`) lists hooks student code left in the
kernel: IPython event callbacks, input/AST transformers, comm targets other than the
probe's, trace or profile functions, and replaced builtins, `json` or comm-layer attributes
or kernel handlers; that request giving no readable report is a finding too. The grader adds
what the report channel carried beside the probe's reports (`report_channel`) and reports
contradicted by what it saw from outside (`outside`). Honest work on this assignment leaves
none of them. These read like the source flags of `autograder.suspicious` ("what it does"),
with "kernel:" where those say "cell N:"; the points they withhold are decided in
`autograder.trust`.
"""

from __future__ import annotations

from autograder.probe_protocol import Finding

WHAT = {
    "ipython_event": "registers an IPython event callback",
    "input_transformer": "adds an IPython input/AST transformer",
    "comm_target": "registers a comm target",
    "trace": "installs a trace or profile function",
    "replaced": "replaces",
    "probe_failed": "the grader's look at the kernel after the run failed",
    "channel": "the probe's report channel was tampered with",
    "contradicted": "a report contradicted by what the grader saw from outside",
}


def runtime_flags(findings: tuple[Finding, ...]) -> tuple[str, ...]:
    """One "kernel: what was found (detail)" line per finding, each once."""
    lines = []
    for finding in findings:
        what = WHAT.get(finding.kind, finding.kind)
        lines.append(f"kernel: {what} ({finding.detail})" if finding.detail else f"kernel: {what}")
    return tuple(dict.fromkeys(lines))
