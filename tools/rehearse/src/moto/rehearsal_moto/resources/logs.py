"""CloudWatch Logs: log group updates (retention), which moto's model cannot do, and the `Arn` attribute as CloudFormation gives it."""

from __future__ import annotations

from typing import Any

from moto.logs.models import LogGroup


def _update(
    cls: type[LogGroup], original_resource: LogGroup, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
) -> LogGroup:
    properties = cloudformation_json.get("Properties", {})
    if properties.get("LogGroupName", original_resource.name) != original_resource.name:
        raise ValueError("renaming a log group needs a replacement, which the rehearsal emulator does not perform")
    original_resource.retention_in_days = properties.get("RetentionInDays")
    return original_resource


def _get_cfn_attribute(self: LogGroup, attribute_name: str) -> str:
    # CloudFormation's Arn of a log group ends in ":*", as DescribeLogGroups reports it; moto's omits it.
    if attribute_name == "Arn":
        return f"{self.arn}:*"
    return _original_get_cfn_attribute(self, attribute_name)


_original_get_cfn_attribute = LogGroup.get_cfn_attribute


def install() -> None:
    LogGroup.update_from_cloudformation_json = classmethod(_update)  # type: ignore[assignment]
    LogGroup.get_cfn_attribute = _get_cfn_attribute
