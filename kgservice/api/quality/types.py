"""GraphQL types of quality runs, trends, alerts and command statistics."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any, Self

import strawberry
from strawberry.types.base import get_object_definition
from strawberry.utils.str_converters import to_camel_case

from kgservice.api.types import Node, register_node_type
from kgservice.services.quality.analysis import Alert, CommandStats, QualityRunRecord, Trend
from kgservice.services.quality.runs import QualityRunInput, run_record


@strawberry.enum(description="Whether the build of a quality run passed.")
class BuildStatus(Enum):
    PASSED = "PASSED"
    FAILED = "FAILED"


@strawberry.enum(description="A figure followed over a project's quality runs.")
class QualityMetric(Enum):
    BUILD_SUCCESS = strawberry.enum_value("BUILD_SUCCESS", description="100 passed, 0 failed.")
    LINT_SCORE = "LINT_SCORE"
    SECURITY_SCORE = "SECURITY_SCORE"
    TYPE_SCORE = "TYPE_SCORE"
    COMPLEXITY = strawberry.enum_value("COMPLEXITY", description="Lower is better.")
    TEST_PASS_RATE = strawberry.enum_value(
        "TEST_PASS_RATE", description="Passed tests as a percentage of the tests run."
    )
    COVERAGE = strawberry.enum_value("COVERAGE", description="0..1.")


@strawberry.enum(description="Which way a trend moved, judged by the metric's better direction.")
class TrendDirection(Enum):
    IMPROVING = "IMPROVING"
    DEGRADING = "DEGRADING"
    STABLE = strawberry.enum_value("STABLE", description="Changed by less than 1 %.")


@strawberry.enum(description="How far a metric degraded: > 25 %, 10-25 %, threshold-10 %.")
class AlertSeverity(Enum):
    CRITICAL = "CRITICAL"
    WARNING = "WARNING"
    INFO = "INFO"


@strawberry.input(description="One run of a quality command; scores 0..100, coverage 0..1.")
class RecordQualityRunInput:
    project_id: strawberry.ID
    command: str
    at: datetime | None = strawberry.field(default=None, description="Default: now.")
    build_status: BuildStatus | None = None
    lint_score: float | None = None
    security_score: float | None = None
    type_score: float | None = None
    complexity: float | None = None
    tests_passed: int | None = None
    tests_failed: int | None = None
    coverage: float | None = None
    duration_seconds: float | None = None
    session_id: strawberry.ID | None = strawberry.field(
        default=None, description="A session of the same project."
    )

    def to_service(self) -> QualityRunInput:
        """The service's input."""
        return QualityRunInput(
            project_id=str(self.project_id),
            command=self.command,
            at=self.at,
            build_status=self.build_status.value if self.build_status else None,
            lint_score=self.lint_score,
            security_score=self.security_score,
            type_score=self.type_score,
            complexity=self.complexity,
            tests_passed=self.tests_passed,
            tests_failed=self.tests_failed,
            coverage=self.coverage,
            duration_seconds=self.duration_seconds,
            session_id=str(self.session_id) if self.session_id else None,
        )


def _run_from_input(
    cls: type[RecordQualityRunInput], value: Mapping[str, Any], context: object
) -> RecordQualityRunInput:
    """Build a run input straight from graphql-core's coerced value.

    Its fields are scalars and an enum, which graphql-core has already parsed (strawberry's
    generic conversion re-resolves each field's type for every value: about 0.5 ms a run,
    most of the time of a batch of 2,000).
    """
    return cls(**{_PYTHON_NAMES[name]: item for name, item in value.items()})


_RUN_DEFINITION = get_object_definition(RecordQualityRunInput, strict=True)
_PYTHON_NAMES = {
    f.graphql_name or to_camel_case(f.python_name): f.python_name for f in _RUN_DEFINITION.fields
}
_RUN_DEFINITION.from_input = _run_from_input


@strawberry.input(description="Quality runs stored together, all or none.")
class RecordQualityRunsInput:
    runs: list[RecordQualityRunInput]


@strawberry.type(description="One recorded run of a quality command and what it measured.")
class QualityRun(Node):
    command: str
    at: datetime
    project_id: strawberry.ID | None
    session_id: strawberry.ID | None
    build_status: BuildStatus | None
    lint_score: float | None
    security_score: float | None
    type_score: float | None
    complexity: float | None
    tests_passed: int | None
    tests_failed: int | None
    coverage: float | None
    duration_seconds: float | None

    @classmethod
    def from_record(
        cls, record: QualityRunRecord, project_id: str | None, session_id: str | None
    ) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(record.id),
            command=record.command,
            at=record.at,
            project_id=strawberry.ID(project_id) if project_id else None,
            session_id=strawberry.ID(session_id) if session_id else None,
            build_status=BuildStatus(record.build_status) if record.build_status else None,
            lint_score=record.lint_score,
            security_score=record.security_score,
            type_score=record.type_score,
            complexity=record.complexity,
            tests_passed=record.tests_passed,
            tests_failed=record.tests_failed,
            coverage=record.coverage,
            duration_seconds=record.duration_seconds,
        )

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> Self:
        """Build from a stored node (links not loaded)."""
        return cls.from_record(run_record(node), None, None)


@strawberry.type
class RecordQualityRunPayload:
    run: QualityRun


@strawberry.type
class RecordQualityRunsPayload:
    count: int
    runs: list[QualityRun]


@strawberry.type(description="One run's value of a metric.")
class QualityPoint:
    at: datetime
    value: float


@strawberry.type(description="A metric's least-squares trend over the window.")
class QualityTrend:
    metric: QualityMetric
    higher_is_better: bool
    first: float = strawberry.field(description="The fitted value at the first run.")
    last: float = strawberry.field(description="The fitted value at the last run.")
    change_pct: float | None = strawberry.field(
        description="(last - first) / |first| in percent; null when first is 0 and last is not."
    )
    direction: TrendDirection
    trend: strawberry.Private[Trend]

    @strawberry.field(description="Each run's value, oldest first.")
    def points(self) -> list[QualityPoint]:
        return [
            QualityPoint(at=at, value=float(value))
            for at, value in zip(self.trend.times, self.trend.values.tolist(), strict=True)
        ]

    @classmethod
    def from_trend(cls, trend: Trend) -> Self:
        """Build from the service's trend."""
        return cls(
            metric=QualityMetric(trend.metric.name),
            higher_is_better=trend.metric.higher_is_better,
            first=trend.first,
            last=trend.last,
            change_pct=trend.change_pct,
            direction=TrendDirection(trend.direction),
            trend=trend,
        )


@strawberry.type(description="A metric whose trend degraded past the threshold.")
class QualityAlert:
    metric: QualityMetric
    severity: AlertSeverity
    change_pct: float
    degradation_pct: float = strawberry.field(
        description="The change against the metric's better direction, in percent."
    )
    message: str

    @classmethod
    def from_alert(cls, alert: Alert) -> Self:
        """Build from the service's alert."""
        return cls(
            metric=QualityMetric(alert.metric.name),
            severity=AlertSeverity(alert.severity),
            change_pct=alert.change_pct,
            degradation_pct=alert.degradation_pct,
            message=alert.message,
        )


@strawberry.type(description="How one quality command ran over the window.")
class QualityCommandStats:
    command: str
    runs: int
    success_rate: float = strawberry.field(description="Runs without a failed build or test.")
    mean_seconds: float | None
    p95_seconds: float | None

    @classmethod
    def from_stats(cls, stats: CommandStats) -> Self:
        """Build from the service's statistics."""
        return cls(
            command=stats.command,
            runs=stats.runs,
            success_rate=stats.success_rate,
            mean_seconds=stats.mean_seconds,
            p95_seconds=stats.p95_seconds,
        )


register_node_type("QualityRun", QualityRun.from_node)
