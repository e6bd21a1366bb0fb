"""The in-memory state of operators and console sessions: what is committed and what one unit of
work staged (held by `MemoryDatabase` and `Staged` in state.py). Imports only the domain."""

from dataclasses import dataclass, field

from bitloot.domain.console_sessions import ConsoleSession
from bitloot.domain.operators import Operator


@dataclass
class OperatorsCommitted:
    operators: dict[str, Operator] = field(default_factory=dict)
    sessions: dict[str, ConsoleSession] = field(default_factory=dict)


@dataclass
class OperatorsStaged:
    # New operators and saves of committed ones, by id; `added` says which are new.
    operators: dict[str, Operator] = field(default_factory=dict)
    added: set[str] = field(default_factory=set)
    sessions: dict[str, ConsoleSession] = field(default_factory=dict)
    added_sessions: set[str] = field(default_factory=set)
