"""S3: bucket policies (moto's CloudFormation skips them, and ignores their conditions), bucket versioning
(moto's bucket model ignores it), and CDK's auto-delete-objects custom resource.

`Custom::S3AutoDeleteObjects` is backed by a Lambda function in the template, which cannot run here
(no Docker). Its documented effect is performed natively, as CDK's handler does it
(aws-cdk-lib/custom-resource-handlers/dist/aws-s3/auto-delete-objects-handler): nothing on create;
on delete, if the bucket is tagged `aws-cdk:auto-delete-objects=true`, deny new uploads in the bucket
policy and delete every object version; a bucket that no longer exists is fine.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.moto_api._internal import mock_random
from moto.s3.exceptions import MissingBucket
from moto.s3.models import FakeBucket, S3Backend, s3_backends
from moto.utilities.utils import get_partition

from ..cloudformation import register, register_custom_resource
from .base import ExtensionResource

AUTO_DELETE_TAG = "aws-cdk:auto-delete-objects"

# What S3 knows about every request to the emulator. It is reached over plain HTTP on loopback but stands
# for S3's HTTPS endpoint, which is all the SDK ever uses: requests count as secure transport.
REQUEST_CONTEXT = {"aws:SecureTransport": "true"}


def condition_holds(condition: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    """IAM condition evaluation for the operators bucket policies use; a key the request lacks fails its test."""
    for operator, tests in condition.items():
        if_exists = operator.endswith("IfExists")
        base = operator.removesuffix("IfExists")
        for key, expected in tests.items():
            expected_values = [str(value).lower() if isinstance(value, bool) else str(value) for value in (expected if isinstance(expected, list) else [expected])]
            actual = context.get(key)
            if base == "Null":
                if (actual is None) != (expected_values[0].lower() == "true"):
                    return False
                continue
            if actual is None:
                if if_exists:
                    continue
                return False
            if base == "Bool":
                matched = actual.lower() in [value.lower() for value in expected_values]
            elif base in ("StringEquals", "ArnEquals"):
                matched = actual in expected_values
            elif base in ("StringNotEquals", "ArnNotEquals"):
                matched = actual not in expected_values
            elif base in ("StringLike", "ArnLike"):
                matched = any(re.fullmatch(re.escape(value).replace(r"\*", ".*").replace(r"\?", "."), actual) for value in expected_values)
            else:
                raise ValueError(f"bucket policy condition operator {operator} is not supported by the rehearsal emulator")
            if not matched:
                return False
    return True


def _bucket_permission(self: FakeBucket, action: str, resource: str) -> Any:
    """moto's bucket policy check, with each statement applying only when its Condition holds (moto ignores it)."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy)
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    applying = [
        {key: value for key, value in statement.items() if key != "Condition"}
        for statement in statements
        if condition_holds(statement.get("Condition", {}), REQUEST_CONTEXT)
    ]
    if not applying:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps({**document, "Statement": applying})).is_action_permitted(action, resource)


def _backend(account_id: str, region_name: str) -> S3Backend:
    return s3_backends[account_id][get_partition(region_name)]


@register
class BucketPolicy(ExtensionResource):
    TYPE = "AWS::S3::BucketPolicy"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        _backend(account_id, region_name).put_bucket_policy(properties["Bucket"], json.dumps(properties["PolicyDocument"]).encode())
        return name, {}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        if properties["Bucket"] != self.properties["Bucket"]:
            return None
        self.create(self.physical_resource_id, properties, self.account_id, self.region_name, {})
        return self.attributes

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).delete_bucket_policy(self.properties["Bucket"])


def empty_tagged_bucket(backend: S3Backend, bucket_name: str) -> None:
    """What CDK's auto-delete handler does on delete."""
    try:
        tags = backend.get_bucket_tagging(bucket_name).get("Tags", [])
    except MissingBucket:
        return
    if not any(tag.get("Key") == AUTO_DELETE_TAG and tag.get("Value") == "true" for tag in tags):
        return
    bucket = backend.get_bucket(bucket_name)
    policy = json.loads(bucket.policy) if bucket.policy else {"Version": "2012-10-17", "Statement": []}
    policy["Statement"].append({"Principal": "*", "Effect": "Deny", "Action": ["s3:PutObject"], "Resource": [f"arn:aws:s3:::{bucket_name}/*"]})
    backend.put_bucket_policy(bucket_name, json.dumps(policy).encode())
    for name in list(bucket.keys.keys()):
        bucket.keys.pop(name)  # every version of the key, and its delete markers


@register_custom_resource
class AutoDeleteObjects(ExtensionResource):
    TYPE = "Custom::S3AutoDeleteObjects"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        # The handler answers a create with the request id as physical id, and does nothing else.
        return str(mock_random.uuid4()), {}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        # On AWS an update only renames the physical id after the bucket; the old bucket is emptied when deleted.
        self._physical_id = properties.get("BucketName") or self.properties.get("BucketName") or self._physical_id
        return self.attributes

    def delete_resource(self) -> None:
        empty_tagged_bucket(_backend(self.account_id, self.region_name), self.properties["BucketName"])


_original_bucket_create = FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
_original_bucket_update = FakeBucket.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _apply_versioning(bucket: FakeBucket, properties: dict[str, Any]) -> FakeBucket:
    """VersioningConfiguration, which moto's bucket model ignores."""
    status = (properties.get("VersioningConfiguration") or {}).get("Status")
    if status:
        bucket.versioning_status = status
    return bucket


def _bucket_create(cls: type[FakeBucket], resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any) -> FakeBucket:
    bucket = _original_bucket_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    return _apply_versioning(bucket, cloudformation_json.get("Properties", {}))


def _bucket_update(cls: type[FakeBucket], original_resource: FakeBucket, new_resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> FakeBucket:
    bucket = _original_bucket_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
    return _apply_versioning(bucket, cloudformation_json.get("Properties", {}))


def install() -> None:
    FakeBucket.get_permission = _bucket_permission
    FakeBucket.create_from_cloudformation_json = classmethod(_bucket_create)  # type: ignore[assignment]
    FakeBucket.update_from_cloudformation_json = classmethod(_bucket_update)  # type: ignore[assignment]
