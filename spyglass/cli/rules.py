"""`spyglass rules check [FILE...]` and `spyglass rules backtest FILE`.

`check` works offline on the files (by default the shipped rules and the configured
`alerts.rule_files`), with the messages the service gives at start: one `file:line:` line per
problem. `sql:` rules are checked against the real schema in a throw-away embedded store
(made only when a file has one). `backtest` asks the running service, which has the data:
it replays the file's rules over stored history and sends nothing.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from alerts.durations import format_duration
from alerts.rules import check_rules, runbook_problems, shipped_files
from alerts.sql_rules import probe
from client.models.alerts import BacktestRequest, BacktestResult
from runbooks import library as runbooks
from spyglass import alerting, config
from spyglass.cli.remote import add_api_arguments, call
from spyglass.schema import migrate
from store import Store, open_store
from store.errors import BadInput, ConfigError


def add_parser(verbs: argparse._SubParsersAction) -> None:
    rules = verbs.add_parser("rules", help="check alert rule files, or backtest them over stored history")
    sub = rules.add_subparsers(dest="rules_verb", required=True, metavar="VERB")
    check = sub.add_parser("check", help="validate rule files (default: the shipped rules and alerts.rule_files)")
    check.add_argument("files", nargs="*", help="rule files to check")
    check.add_argument("--config", help="settings file (default: ./spyglass.yaml when present)")
    back = sub.add_parser("backtest", help="replay a rule file's rules over stored history, sending nothing")
    back.add_argument("file", help="rule file")
    back.add_argument("--rule", help="only this rule of the file")
    back.add_argument("--since", default="7d", help="RFC 3339 time or a look-back such as 7d (default: 7d)")
    back.add_argument("--until", default="now", help="RFC 3339 time or now (default)")
    back.add_argument("--step", default="1m", help="time between evaluations, such as 30s or 5m (default: 1m)")
    add_api_arguments(back)


def run(args: argparse.Namespace) -> int:
    return _check(args) if args.rules_verb == "check" else _backtest(args)


class _ScratchProbe:
    """A SqlProbe over a throw-away migrated store, made at the first sql rule (a few seconds) and removed by
    close()."""

    def __init__(self) -> None:
        self._dir: str | None = None
        self._store: Store | None = None

    def __call__(self, sql: str) -> None:
        if self._store is None:
            self._dir = tempfile.mkdtemp(prefix="spyglass-rules-check-")
            self._store = open_store(self._dir, None, "spyglass")
            migrate(self._store)
        probe(self._store)(sql)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


def _check(args: argparse.Namespace) -> int:
    settings = config.load(args.config)
    if args.files:
        paths = [Path(f) for f in args.files]
    else:
        paths = [*(shipped_files() if settings.alerts.shipped_rules else []), *map(Path, settings.alerts.rule_files)]
    check = _ScratchProbe()
    try:
        rules, problems = check_rules(paths, alerting.DETECTORS, check, alerting.param_defaults(settings))
    finally:
        check.close()
    problems += runbook_problems(rules, runbooks.load(settings.runbooks.dirs))
    for problem in problems:
        print(problem)
    if problems:
        raise ConfigError(f"{len(problems)} problem(s) in {len(paths)} rule file(s)")
    print(f"ok: {len(rules)} rules in {len(paths)} file(s)")
    return 0


def _backtest(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror or exc}") from None
    request = BacktestRequest(text=text, file=str(path), rule=args.rule, since=args.since, until=args.until,
                              step=args.step)
    result = call(args, "backtest", lambda api: api.backtest(request))
    print(_report(result))
    return 0


def _span(seconds: float) -> str:
    return format_duration(timedelta(seconds=seconds))


def _report(result: BacktestResult) -> str:
    lines = [f"backtest {result.since} .. {result.until}, every {_span(result.step_seconds)}"]
    for rule in result.rules:
        lines.append(f"rule {rule.rule}: {rule.evaluations} evaluations, fired {rule.fired} time(s), "
                     f"firing {_span(rule.firing_seconds)}, {len(rule.instances)} instance(s)")
        for instance in rule.instances:
            labels = ", ".join(f"{k}={v}" for k, v in sorted(instance.labels.items())
                               if k not in ("alertname", "severity"))
            lines.append(f"  {{{labels}}}: fired {instance.fired}, firing {_span(instance.firing_seconds)}, "
                         f"max value {instance.max_value}")
            for kind, episodes in (("pending", instance.pending), ("firing", instance.firing)):
                for e in episodes:
                    lines.append(f"    {kind:7} {e.start} .. {e.end or '(still at the end)'}")
    return "\n".join(lines)
