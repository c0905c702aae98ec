"""Application Auto Scaling: scalable targets and scaling policies, which moto's CloudFormation skips."""

from __future__ import annotations

from typing import Any

from moto.applicationautoscaling.models import ApplicationAutoscalingBackend, applicationautoscaling_backends

from ..cloudformation import register
from .base import ExtensionResource


def _backend(account_id: str, region_name: str) -> ApplicationAutoscalingBackend:
    return applicationautoscaling_backends[account_id][region_name]


def target_id(resource_id: str, dimension: str, namespace: str) -> str:
    """A scalable target's physical id as CloudFormation reports it: `resourceId|scalableDimension|serviceNamespace`."""
    return f"{resource_id}|{dimension}|{namespace}"


@register
class ScalableTarget(ExtensionResource):
    TYPE = "AWS::ApplicationAutoScaling::ScalableTarget"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        cls.register_target(properties, account_id, region_name)
        physical_id = target_id(properties["ResourceId"], properties["ScalableDimension"], properties["ServiceNamespace"])
        return physical_id, {}

    @staticmethod
    def register_target(properties: dict[str, Any], account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).register_scalable_target(
            properties["ServiceNamespace"],
            properties["ResourceId"],
            properties["ScalableDimension"],
            int(properties["MinCapacity"]),
            int(properties["MaxCapacity"]),
            properties.get("RoleARN"),
            properties.get("SuspendedState"),
        )

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        if target_id(properties["ResourceId"], properties["ScalableDimension"], properties["ServiceNamespace"]) != self.physical_resource_id:
            return None
        self.register_target(properties, self.account_id, self.region_name)
        return self.attributes

    def delete_resource(self) -> None:
        resource_id, dimension, namespace = self.physical_resource_id.split("|")
        _backend(self.account_id, self.region_name).deregister_scalable_target(namespace, resource_id, dimension)


@register
class ScalingPolicy(ExtensionResource):
    TYPE = "AWS::ApplicationAutoScaling::ScalingPolicy"

    @staticmethod
    def target_of(properties: dict[str, Any]) -> tuple[str, str, str]:
        if "ScalingTargetId" in properties:
            resource_id, dimension, namespace = properties["ScalingTargetId"].split("|")
            return resource_id, dimension, namespace
        return properties["ResourceId"], properties["ScalableDimension"], properties["ServiceNamespace"]

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        policy = cls._put(properties, account_id, region_name)
        return policy.policy_arn, {"Arn": policy.policy_arn}

    @classmethod
    def _put(cls, properties: dict[str, Any], account_id: str, region_name: str) -> Any:
        resource_id, dimension, namespace = cls.target_of(properties)
        policy_type = properties["PolicyType"]
        body = properties.get("TargetTrackingScalingPolicyConfiguration" if policy_type == "TargetTrackingScaling" else "StepScalingPolicyConfiguration")
        return _backend(account_id, region_name).put_scaling_policy(properties["PolicyName"], namespace, resource_id, dimension, body, policy_type)

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        if properties["PolicyName"] != self.properties["PolicyName"] or self.target_of(properties) != self.target_of(self.properties):
            return None
        # In place, as on AWS: the policy keeps its ARN (moto would mint a new one, and new alarms beside the old).
        self.delete_resource()
        self._put(properties, self.account_id, self.region_name).policy_arn = self.physical_resource_id
        return self.attributes

    def delete_resource(self) -> None:
        resource_id, dimension, namespace = self.target_of(self.properties)
        _backend(self.account_id, self.region_name).delete_scaling_policy(self.properties["PolicyName"], namespace, resource_id, dimension)
