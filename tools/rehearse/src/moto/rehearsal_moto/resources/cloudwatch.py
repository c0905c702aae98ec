"""CloudWatch: AWS::CloudWatch::Alarm, which moto's CloudFormation skips, through PutMetricAlarm."""

from __future__ import annotations

from typing import Any

from moto.cloudwatch.models import CloudWatchBackend, Dimension, Metric, MetricDataQuery, MetricStat, cloudwatch_backends

from ..cloudformation import register
from .base import ExtensionResource, cloudformation_tags


def _backend(account_id: str, region_name: str) -> CloudWatchBackend:
    return cloudwatch_backends[account_id][region_name]


def _metric_data_queries(metrics: list[dict[str, Any]] | None) -> list[MetricDataQuery] | None:
    if not metrics:
        return None
    queries = []
    for query in metrics:
        stat = query.get("MetricStat")
        metric_stat = None
        if stat:
            metric = stat["Metric"]
            metric_stat = MetricStat(
                metric=Metric(
                    metric_name=metric.get("MetricName"),
                    namespace=metric.get("Namespace"),
                    dimensions=[Dimension(name=d.get("Name"), value=d.get("Value")) for d in metric.get("Dimensions", [])],
                ),
                period=stat.get("Period"),
                stat=stat.get("Stat"),
                unit=stat.get("Unit"),
            )
        queries.append(
            MetricDataQuery(
                query_id=query["Id"],
                label=query.get("Label"),
                period=query.get("Period"),
                return_data=query.get("ReturnData", True),
                expression=query.get("Expression"),
                metric_stat=metric_stat,
            )
        )
    return queries


@register
class Alarm(ExtensionResource):
    TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        alarm = _backend(account_id, region_name).put_metric_alarm(
            name=name,
            namespace=properties.get("Namespace"),
            metric_name=properties.get("MetricName"),
            comparison_operator=properties["ComparisonOperator"],
            evaluation_periods=properties["EvaluationPeriods"],
            period=properties.get("Period"),
            threshold=properties.get("Threshold"),
            statistic=properties.get("Statistic"),
            description=properties.get("AlarmDescription"),
            dimensions=properties.get("Dimensions", []),
            alarm_actions=properties.get("AlarmActions", []),
            metric_data_queries=_metric_data_queries(properties.get("Metrics")),
            datapoints_to_alarm=properties.get("DatapointsToAlarm"),
            extended_statistic=properties.get("ExtendedStatistic"),
            ok_actions=properties.get("OKActions", []),
            insufficient_data_actions=properties.get("InsufficientDataActions", []),
            unit=properties.get("Unit"),
            actions_enabled=properties.get("ActionsEnabled", True),
            treat_missing_data=properties.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=properties.get("EvaluateLowSampleCountPercentile"),
            threshold_metric_id=properties.get("ThresholdMetricId"),
            tags=cloudformation_tags(properties.get("Tags")),
        )
        return name, {"Arn": alarm.alarm_arn}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        name = properties.get("AlarmName") or self.physical_resource_id
        if name != self.physical_resource_id:
            return None
        _, attributes = self.create(name, properties, self.account_id, self.region_name, {})
        return attributes

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).delete_alarms([self.physical_resource_id])
