"""DynamoDB: the parts of AWS::DynamoDB::Table moto's CloudFormation drops, and table updates.

moto creates the table with its keys, indexes, capacity and deletion protection, but reads SSESpecification
in the API's shape (so encryption is silently off), ignores TimeToLiveSpecification and
PointInTimeRecoverySpecification, and cannot update a table at all. Here
both are applied through moto's own UpdateTimeToLive and UpdateContinuousBackups, and an update applies
capacity, deletion protection, index capacity, TTL and PITR as UpdateTable and friends would.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.table import Table

_original_create = Table.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _backend(account_id: str, region_name: str) -> DynamoDBBackend:
    return dynamodb_backends[account_id][region_name]


def _apply_settings(table: Table, properties: dict[str, Any], account_id: str, region_name: str) -> None:
    backend = _backend(account_id, region_name)
    ttl = properties.get("TimeToLiveSpecification")
    if ttl:
        backend.update_time_to_live(table.name, {"Enabled": ttl.get("Enabled", False), "AttributeName": ttl.get("AttributeName")})
    pitr = properties.get("PointInTimeRecoverySpecification")
    if pitr is not None:
        backend.update_continuous_backups(table.name, {"PointInTimeRecoveryEnabled": bool(pitr.get("PointInTimeRecoveryEnabled", False))})


def _api_sse(specification: dict[str, Any] | None) -> dict[str, Any] | None:
    """CloudFormation's SSESpecification (SSEEnabled, ...) in the API's form (Enabled, ...), which moto expects."""
    if not specification:
        return None
    converted = {"Enabled": bool(specification.get("SSEEnabled", False))}
    for key in ("SSEType", "KMSMasterKeyId"):
        if key in specification:
            converted[key] = specification[key]
    return converted


def _create(cls: type[Table], resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Table:
    properties = dict(cloudformation_json.get("Properties", {}))
    properties["SSESpecification"] = _api_sse(properties.get("SSESpecification"))
    table = _original_create(cls, resource_name, {**cloudformation_json, "Properties": properties}, account_id, region_name, **kwargs)
    _apply_settings(table, cloudformation_json.get("Properties", {}), account_id, region_name)
    return table


def _update(
    cls: type[Table], original_resource: Table, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
) -> Table:
    properties = cloudformation_json.get("Properties", {})
    name = properties.get("TableName", original_resource.name)
    replacement_keys = ("KeySchema", "LocalSecondaryIndexes")
    if name != original_resource.name or any(properties.get(key) != getattr(original_resource, "_rehearsal_properties", {}).get(key) for key in replacement_keys):
        raise ValueError("this table change needs a replacement, which the rehearsal emulator does not perform")
    backend = _backend(account_id, region_name)
    current = {index.name: index for index in original_resource.global_indexes}
    index_updates = [
        {"Update": {"IndexName": index["IndexName"], "ProvisionedThroughput": index["ProvisionedThroughput"]}}
        for index in properties.get("GlobalSecondaryIndexes", [])
        if index["IndexName"] in current and "ProvisionedThroughput" in index
    ]
    if any(index["IndexName"] not in current for index in properties.get("GlobalSecondaryIndexes", [])):
        raise ValueError("adding a global secondary index is not supported by the rehearsal emulator")
    table = backend.update_table(
        name=original_resource.name,
        attr_definitions=properties.get("AttributeDefinitions"),
        global_index=index_updates,
        throughput=properties.get("ProvisionedThroughput"),
        billing_mode=properties.get("BillingMode", "PROVISIONED"),
        stream_spec=None,
        deletion_protection_enabled=bool(properties.get("DeletionProtectionEnabled", False)),
        warm_throughput=None,
    )
    _apply_settings(table, properties, account_id, region_name)
    return table


def install() -> None:
    Table.create_from_cloudformation_json = classmethod(_create)  # type: ignore[assignment]
    Table.update_from_cloudformation_json = classmethod(_update)  # type: ignore[assignment]
