"""CodeDeploy: applications, deployment configs and deployment groups, which moto's CloudFormation skips.

moto's CodeDeploy has applications, deployment groups and deployments, but no deployment configs, no
deletes, GetDeploymentGroup answers an empty alarm configuration, and its timestamps are ISO strings
where the API (and so the SDK) has epoch seconds. This module adds those to moto's
CodeDeploy API (CreateDeploymentConfig, GetDeploymentConfig, ListDeploymentConfigs,
DeleteDeploymentConfig, DeleteDeploymentGroup, DeleteApplication, UpdateDeploymentGroup) and the three
resource models on top. An alias update that CloudFormation hands to CodeDeploy
(UpdatePolicy CodeDeployLambdaAliasUpdate) is recorded as a deployment of its group: the traffic shift
itself (canary percentage, waiting, alarm-driven rollback) is not emulated.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from moto.codedeploy.exceptions import CodeDeployException
from moto.codedeploy.models import Application as MotoApplication
from moto.codedeploy.models import CodeDeployBackend, DeploymentInfo, codedeploy_backends
from moto.codedeploy.models import DeploymentGroup as MotoDeploymentGroup
from moto.codedeploy.responses import CodeDeployResponse
from moto.core.utils import iso_8601_datetime_with_milliseconds

from ..cloudformation import register
from .base import ExtensionResource, cloudformation_tags


class DeploymentConfigDoesNotExistException(CodeDeployException):
    code = 400

    def __init__(self, name: str):
        super().__init__("DeploymentConfigDoesNotExistException", f"The deployment configuration {name} does not exist.")


class DeploymentConfigAlreadyExistsException(CodeDeployException):
    code = 400

    def __init__(self, name: str):
        super().__init__("DeploymentConfigAlreadyExistsException", f"The deployment configuration {name} already exists.")


def _backend(account_id: str, region_name: str) -> CodeDeployBackend:
    return codedeploy_backends[account_id][region_name]


def _configs(backend: CodeDeployBackend) -> dict[str, dict[str, Any]]:
    if not hasattr(backend, "deployment_configs"):
        backend.deployment_configs = {}
    return backend.deployment_configs


# --- Backend: what moto's CodeDeploy lacks ----------------------------------------------------------------


def create_deployment_config(self: CodeDeployBackend, name: str, compute_platform: str | None, traffic_routing: Any, minimum_healthy_hosts: Any) -> str:
    configs = _configs(self)
    if name in configs:
        raise DeploymentConfigAlreadyExistsException(name)
    config_id = str(uuid.uuid4())
    configs[name] = {
        "deploymentConfigId": config_id,
        "deploymentConfigName": name,
        "computePlatform": compute_platform or "Server",
        "createTime": datetime.now(timezone.utc).timestamp(),
        **({"trafficRoutingConfig": traffic_routing} if traffic_routing else {}),
        **({"minimumHealthyHosts": minimum_healthy_hosts} if minimum_healthy_hosts else {}),
    }
    return config_id


def get_deployment_config(self: CodeDeployBackend, name: str) -> dict[str, Any]:
    config = _configs(self).get(name)
    if config is None:
        raise DeploymentConfigDoesNotExistException(name)
    return config


def delete_deployment_config(self: CodeDeployBackend, name: str) -> None:
    if _configs(self).pop(name, None) is None:
        raise DeploymentConfigDoesNotExistException(name)


def delete_deployment_group(self: CodeDeployBackend, application_name: str, deployment_group_name: str) -> None:
    self.deployment_groups.get(application_name, {}).pop(deployment_group_name, None)


def delete_application(self: CodeDeployBackend, application_name: str) -> None:
    self.applications.pop(application_name, None)
    self.deployment_groups.pop(application_name, None)


_original_group_to_dict = MotoDeploymentGroup.to_dict
_original_application_to_dict = MotoApplication.to_dict
_original_deployment_to_dict = DeploymentInfo.to_dict


def _epoch_times(described: dict[str, Any]) -> dict[str, Any]:
    """CodeDeploy's API answers timestamps as epoch seconds; moto answers ISO strings, which the SDK v3 rejects."""
    for key in ("createTime", "startTime", "completeTime"):
        if isinstance(described.get(key), str):
            described[key] = datetime.fromisoformat(described[key].replace("Z", "+00:00")).timestamp()
    return described


def _application_to_dict(self: MotoApplication) -> dict[str, Any]:
    return _epoch_times(_original_application_to_dict(self))


def _deployment_to_dict(self: DeploymentInfo) -> dict[str, Any]:
    return _epoch_times(_original_deployment_to_dict(self))


def _group_to_dict(self: MotoDeploymentGroup) -> dict[str, Any]:
    described = _original_group_to_dict(self)
    described["alarmConfiguration"] = self.alarm_configuration or {}
    return described


# --- Responses: the API actions for the above ----------------------------------------------------------


def _response_create_deployment_config(self: CodeDeployResponse) -> str:
    config_id = self.codedeploy_backend.create_deployment_config(
        self._get_param("deploymentConfigName"),
        self._get_param("computePlatform"),
        self._get_param("trafficRoutingConfig"),
        self._get_param("minimumHealthyHosts"),
    )
    return json.dumps({"deploymentConfigId": config_id})


def _response_get_deployment_config(self: CodeDeployResponse) -> str:
    return json.dumps({"deploymentConfigInfo": self.codedeploy_backend.get_deployment_config(self._get_param("deploymentConfigName"))})


def _response_list_deployment_configs(self: CodeDeployResponse) -> str:
    return json.dumps({"deploymentConfigsList": sorted(_configs(self.codedeploy_backend))})


def _response_delete_deployment_config(self: CodeDeployResponse) -> str:
    self.codedeploy_backend.delete_deployment_config(self._get_param("deploymentConfigName"))
    return "{}"


def _response_delete_deployment_group(self: CodeDeployResponse) -> str:
    self.codedeploy_backend.delete_deployment_group(self._get_param("applicationName"), self._get_param("deploymentGroupName"))
    return json.dumps({"hooksNotCleanedUp": []})


def _response_delete_application(self: CodeDeployResponse) -> str:
    self.codedeploy_backend.delete_application(self._get_param("applicationName"))
    return "{}"


# --- Resource models ---------------------------------------------------------------------------------------


def _camel(value: Any) -> Any:
    """CloudFormation's PascalCase property names as the API's camelCase (`TimeBasedCanary` -> `timeBasedCanary`)."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: _camel(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_camel(inner) for inner in value]
    return value


@register
class Application(ExtensionResource):
    TYPE = "AWS::CodeDeploy::Application"
    NAME_PROPERTY = "ApplicationName"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        _backend(account_id, region_name).create_application(name, properties.get("ComputePlatform", "Server"), cloudformation_tags(properties.get("Tags")))
        return name, {}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        same = properties.get("ApplicationName", self.physical_resource_id) == self.physical_resource_id
        return self.attributes if same and properties.get("ComputePlatform") == self.properties.get("ComputePlatform") else None

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).delete_application(self.physical_resource_id)


@register
class DeploymentConfig(ExtensionResource):
    TYPE = "AWS::CodeDeploy::DeploymentConfig"
    NAME_PROPERTY = "DeploymentConfigName"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        _backend(account_id, region_name).create_deployment_config(
            name, properties.get("ComputePlatform"), _camel(properties.get("TrafficRoutingConfig")), _camel(properties.get("MinimumHealthyHosts"))
        )
        return name, {}

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).delete_deployment_config(self.physical_resource_id)


@register
class DeploymentGroup(ExtensionResource):
    TYPE = "AWS::CodeDeploy::DeploymentGroup"
    NAME_PROPERTY = "DeploymentGroupName"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        _backend(account_id, region_name).create_deployment_group(
            application_name=properties["ApplicationName"],
            deployment_group_name=name,
            deployment_config_name=properties.get("DeploymentConfigName"),
            ec2_tag_filters=_camel(properties.get("Ec2TagFilters")),
            on_premises_instance_tag_filters=_camel(properties.get("OnPremisesInstanceTagFilters")),
            auto_scaling_groups=properties.get("AutoScalingGroups"),
            service_role_arn=properties["ServiceRoleArn"],
            trigger_configurations=_camel(properties.get("TriggerConfigurations")),
            alarm_configuration=_camel(properties.get("AlarmConfiguration")),
            auto_rollback_configuration=_camel(properties.get("AutoRollbackConfiguration")),
            outdated_instances_strategy=properties.get("OutdatedInstancesStrategy"),
            deployment_style=_camel(properties.get("DeploymentStyle")),
            blue_green_deployment_configuration=_camel(properties.get("BlueGreenDeploymentConfiguration")),
            load_balancer_info=_camel(properties.get("LoadBalancerInfo")),
            ec2_tag_set=_camel(properties.get("Ec2TagSet")),
            ecs_services=_camel(properties.get("ECSServices")),
            on_premises_tag_set=_camel(properties.get("OnPremisesTagSet")),
            tags=cloudformation_tags(properties.get("Tags")),
            termination_hook_enabled=properties.get("TerminationHookEnabled"),
        )
        return name, {}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        if properties["ApplicationName"] != self.properties["ApplicationName"]:
            return None
        if properties.get("DeploymentGroupName", self.physical_resource_id) != self.physical_resource_id:
            return None
        backend = _backend(self.account_id, self.region_name)
        backend.delete_deployment_group(properties["ApplicationName"], self.physical_resource_id)
        self.create(self.physical_resource_id, properties, self.account_id, self.region_name, {})
        return self.attributes

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).delete_deployment_group(self.properties["ApplicationName"], self.physical_resource_id)


def record_alias_deployment(
    account_id: str, region_name: str, group: tuple[str, str], function_name: str, alias_name: str, current_version: str, target_version: str
) -> str:
    """A CodeDeploy deployment of a Lambda alias, as CloudFormation starts it, recorded as succeeded."""
    application_name, group_name = group
    backend = _backend(account_id, region_name)
    appspec = {
        "version": 0.0,
        "Resources": [
            {
                function_name: {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {"Name": function_name, "Alias": alias_name, "CurrentVersion": current_version, "TargetVersion": target_version},
                }
            }
        ],
    }
    revision = {"revisionType": "AppSpecContent", "appSpecContent": {"content": json.dumps(appspec)}}
    deployment_id = backend.create_deployment(application_name, group_name, revision, description="Started by CloudFormation (rehearsal)")
    deployment = backend.deployments[deployment_id]
    deployment.status = "Succeeded"
    deployment.creator = "CloudFormation"
    deployment.complete_time = iso_8601_datetime_with_milliseconds()
    return deployment_id


def install() -> None:
    CodeDeployBackend.create_deployment_config = create_deployment_config
    CodeDeployBackend.get_deployment_config = get_deployment_config
    CodeDeployBackend.delete_deployment_config = delete_deployment_config
    CodeDeployBackend.delete_deployment_group = delete_deployment_group
    CodeDeployBackend.delete_application = delete_application
    MotoDeploymentGroup.to_dict = _group_to_dict
    MotoApplication.to_dict = _application_to_dict
    DeploymentInfo.to_dict = _deployment_to_dict
    CodeDeployResponse.create_deployment_config = _response_create_deployment_config
    CodeDeployResponse.get_deployment_config = _response_get_deployment_config
    CodeDeployResponse.list_deployment_configs = _response_list_deployment_configs
    CodeDeployResponse.delete_deployment_config = _response_delete_deployment_config
    CodeDeployResponse.delete_deployment_group = _response_delete_deployment_group
    CodeDeployResponse.delete_application = _response_delete_application
