"""CloudWatch Logs: log group updates (retention), which moto's model cannot do."""

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


def install() -> None:
    LogGroup.update_from_cloudformation_json = classmethod(_update)  # type: ignore[assignment]
