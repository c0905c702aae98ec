export { startIamProxy, type FunctionPolicy, type IamCall, type IamProxy, type IamProxyOptions } from "./proxy.js";
export { grantsOf, isAllowed, localGrantTargets, type GrantTargets, type PolicyStatement } from "./policy.js";
export {
  LOCAL_ACCOUNT_ID,
  assumedRoleArn,
  dynamoDbIndexArn,
  dynamoDbTableArn,
  secretsManagerSecretArn,
  ssmParameterArn,
  sstSecretParameterPaths,
  type ArnScope,
} from "./arns.js";
export { requiredAccess, operationOf, type AccessCheck, type AwsService } from "./required-access.js";
export { auditGrants, type GrantAuditOptions } from "./grant-audit.js";
