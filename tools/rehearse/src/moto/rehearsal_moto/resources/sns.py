"""SNS: topic policies and subscriptions, which moto's CloudFormation skips."""

from __future__ import annotations

import json
from typing import Any

from moto.sns.models import SNSBackend, sns_backends

from ..cloudformation import register
from .base import ExtensionResource


def _backend(account_id: str, region_name: str) -> SNSBackend:
    return sns_backends[account_id][region_name]


@register
class TopicPolicy(ExtensionResource):
    TYPE = "AWS::SNS::TopicPolicy"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        backend = _backend(account_id, region_name)
        for topic_arn in properties["Topics"]:
            backend.set_topic_attribute(topic_arn, "policy", json.dumps(properties["PolicyDocument"]))
        return name, {}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        self.reset_topics([arn for arn in self.properties["Topics"] if arn not in properties["Topics"]])
        self.create(self.physical_resource_id, properties, self.account_id, self.region_name, {})
        return self.attributes

    def reset_topics(self, topic_arns: list[str]) -> None:
        """A topic without a policy resource has SNS's default policy again."""
        backend = _backend(self.account_id, self.region_name)
        for topic_arn in topic_arns:
            topic = backend.topics.get(topic_arn)
            if topic is not None:
                topic._policy_json = topic._create_default_topic_policy(self.region_name, self.account_id, topic.name)

    def delete_resource(self) -> None:
        self.reset_topics(self.properties["Topics"])


@register
class Subscription(ExtensionResource):
    TYPE = "AWS::SNS::Subscription"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        backend = _backend(account_id, region_name)
        subscription = backend.subscribe(properties["TopicArn"], properties["Endpoint"], properties["Protocol"])
        for attribute in ("RawMessageDelivery", "DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy", "SubscriptionRoleArn"):
            if attribute in properties:
                value = properties[attribute]
                backend.set_subscription_attributes(subscription.arn, attribute, json.dumps(value) if isinstance(value, dict) else str(value).lower() if isinstance(value, bool) else value)
        return subscription.arn, {"Arn": subscription.arn}

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).unsubscribe(self.physical_resource_id)
