"""Native stand-ins for Lambda functions of the deploy path, which cannot run here (no Docker).

SST's bootstrap stack (SSTBootstrap) has a MetadataHandler function that an EventBridge rule invokes on
every final stack status. Its code (sst/support/bootstrap-metadata-function) reads the stack's
SSTMetadata output and writes it to the bootstrap bucket as
`stackMetadata/app.<app>/stage.<stage>/stack.<stack>.json`, or deletes that object once the stack is
deleted; `sst secrets set` reads those objects to reload the functions bound to a secret. The stand-in
does the same in moto's S3. (The function's IoT notification to `sst dev` sessions is not reproduced.)
"""

from __future__ import annotations

import json
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.cloudformation.models import cloudformation_backends
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from .eventbridge import STAND_INS


def is_sst_metadata_handler(function: LambdaFunction) -> bool:
    """The function the SSTBootstrap stack declares as MetadataHandler."""
    for stack in cloudformation_backends[function.account_id][function.region].stacks.values():
        for logical_id, resource in stack.resource_map._parsed_resources.items():
            if resource is function and logical_id.startswith("MetadataHandler") and "BUCKET_NAME" in function.environment_vars:
                return True
    return False


def write_sst_metadata(function: LambdaFunction, event: dict[str, Any], outputs: dict[str, str]) -> None:
    status = event["detail"]["status-details"]["status"]
    if not status.endswith("_COMPLETE") or "SSTMetadata" not in outputs:
        return
    metadata = json.loads(outputs["SSTMetadata"])
    stack_name = event["detail"]["stack-id"].split("/")[1]
    key = f"stackMetadata/app.{metadata['app']}/stage.{metadata['stage']}/stack.{stack_name}.json"
    backend = s3_backends[function.account_id][get_partition(function.region)]
    bucket = function.environment_vars["BUCKET_NAME"]
    if status == "DELETE_COMPLETE":
        backend.delete_object(bucket, key)
    else:
        backend.put_object(bucket, key, json.dumps(metadata["metadata"]).encode())


def install() -> None:
    STAND_INS.append((is_sst_metadata_handler, write_sst_metadata))
