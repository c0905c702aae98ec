"""SSM: AWS::SSM::Parameter whose Tags are a map (as CDK writes them), which makes moto answer HTTP 500."""

from __future__ import annotations

from typing import Any

from moto.ssm.models import Parameter

from .base import cloudformation_tags

_original_create = Parameter.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _create(cls: type[Parameter], resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Parameter:
    properties = dict(cloudformation_json.get("Properties", {}))
    properties["Tags"] = cloudformation_tags(properties.get("Tags")) or None
    # Without a Name, CloudFormation names the parameter itself.
    properties.setdefault("Name", resource_name)
    return _original_create(cls, resource_name, {**cloudformation_json, "Properties": properties}, account_id, region_name, **kwargs)


def install() -> None:
    Parameter.create_from_cloudformation_json = classmethod(_create)  # type: ignore[assignment]
