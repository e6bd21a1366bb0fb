"""Which spans may start a trace: the edges of the system, not the calls made between them."""

from collections.abc import Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes


class EdgesStartTraces(Sampler):
    """For spans with no parent: an HTTP request (server), a job run or a job sent by the reconciler
    (consumer, producer) starts a trace; a SQL statement, a blob or provider call (client) does not.
    Without this, each reconciler round's few statements, every second in every process, would be
    traces of their own."""

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if kind is SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

    def get_description(self) -> str:
        return "EdgesStartTraces"


def edge_sampler() -> Sampler:
    """Children follow their parent's decision (a caller's `traceparent` too)."""
    return ParentBased(root=EdgesStartTraces())
