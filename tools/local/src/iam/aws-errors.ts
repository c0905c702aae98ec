import { randomUUID } from "node:crypto";
import type { AwsService } from "./required-access.js";

export interface AwsErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * An error as the service's JSON protocol answers it. DynamoDB qualifies the
 * type with its coral namespace; Secrets Manager and SSM send the bare name.
 * The SDK takes the part after `#` as `error.name` either way.
 */
export function awsErrorResponse(service: AwsService | undefined, status: number, code: string, message: string): AwsErrorResponse {
  const dynamoDb = service === "dynamodb";
  return {
    status,
    headers: {
      "content-type": dynamoDb ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1",
      "x-amzn-requestid": randomUUID(),
    },
    body: JSON.stringify({ __type: dynamoDb ? `com.amazon.coral.service#${code}` : code, message }),
  };
}

export const accessDenied = (service: AwsService, principalArn: string, action: string, resource: string) =>
  awsErrorResponse(
    service,
    400,
    "AccessDeniedException",
    `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
  );

/** What every JSON-protocol service answers to an access key it does not know (HTTP 400, not 403). */
export const unrecognizedClient = (service: AwsService | undefined) =>
  awsErrorResponse(service, 400, "UnrecognizedClientException", "The security token included in the request is invalid.");

export const missingAuthenticationToken = (service: AwsService | undefined) =>
  awsErrorResponse(service, 400, "MissingAuthenticationTokenException", "Request is missing Authentication Token");

export const unknownOperation = () =>
  awsErrorResponse(undefined, 400, "UnknownOperationException", "The X-Amz-Target header names no operation of DynamoDB, Secrets Manager or SSM.");

export const serializationError = (service: AwsService, detail: string) => awsErrorResponse(service, 400, "SerializationException", detail);
