"""Reading `BITLOOT_*` variables: each problem is noted and reading goes on, so that one start
reports every problem at once (`ConfigurationError`) instead of one per attempt.

A problem names the variable and what it should hold, never its value: the value may be a secret, or
a URL holding a password.
"""

from collections.abc import Mapping
from typing import TypeVar, overload
from urllib.parse import urlparse

from bitloot.entrypoints.config.tuning import (
    ConsoleTuning,
    DatabaseTuning,
    EmailTuning,
    RateLimits,
    ReconcilerTuning,
    Tuning,
    TuningGroup,
    WorkerTuning,
    environment_names,
)

PREFIX = "BITLOOT_"
Group = TypeVar("Group", bound=TuningGroup)


class ConfigurationError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Configuration is not valid:\n" + "\n".join(f"  - {p}" for p in problems))


class Environment:
    """The variables of one start and the problems found in them so far."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = dict(environ)
        self.problems: list[str] = []
        self._refused: set[str] = set()

    def get(self, name: str) -> str | None:
        """`BITLOOT_{name}`, stripped; None when unset or blank."""
        value = self._environ.get(PREFIX + name, "").strip()
        return value or None

    def refuse(self, problem: str) -> None:
        self.problems.append(problem)

    def refused(self, name: str) -> bool:
        """Whether `url` refused `BITLOOT_{name}`."""
        return name in self._refused

    @overload
    def url(self, name: str, schemes: tuple[str, ...], default: str, *, host: bool = ...) -> str: ...
    @overload
    def url(
        self, name: str, schemes: tuple[str, ...], default: None = ..., *, host: bool = ...
    ) -> str | None: ...
    def url(
        self, name: str, schemes: tuple[str, ...], default: str | None = None, *, host: bool = False
    ) -> str | None:
        """`BITLOOT_{name}` (or `default`), refused unless it is `scheme://...` with one of `schemes`,
        and, with `host`, names a host. Returned even when refused: the start fails anyway, after the
        other variables are read."""
        value = self.get(name) or default
        if value is None:
            return None
        scheme, separator, _ = value.partition("://")
        if scheme not in schemes or not separator or (host and not urlparse(value).netloc):
            self._refused.add(name)
            starts = " or ".join(f"{each}://" for each in schemes)
            naming = " and naming a host" if host else ""
            self.refuse(f"{PREFIX}{name} must be a URL starting with {starts}{naming}.")
        return value

    def tuning(self) -> Tuning:
        """Each timing and size left at its default unless its variable is set."""
        return Tuning(
            worker=self._group(WorkerTuning),
            reconciler=self._group(ReconcilerTuning),
            database=self._group(DatabaseTuning),
            email=self._group(EmailTuning),
            rate_limits=self._group(RateLimits),
            console=self._group(ConsoleTuning),
        )

    def _group(self, group: type[Group]) -> Group:
        values: dict[str, int] = {}
        for name, env in environment_names(group):
            raw = self.get(env)
            if raw is None:
                continue
            if not raw.isdigit() or int(raw) < 1:
                self.refuse(f"{PREFIX}{env} is a positive whole number.")
                continue
            values[name] = int(raw)
        return group(**values)
