import { LIST_SETTINGS_VARIABLE, defaultListSettings } from "../packages/core/src/user/list-layout.js";
import { usersTable, type UsersTableIndexName } from "../packages/core/src/user/table.js";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import { Table, type StackContext } from "sst/constructs";
import { stageSettings } from "./stage-settings.js";

const indexNames = Object.keys(usersTable.globalIndexes) as UsersTableIndexName[];

/**
 * The users table, declared from the one table definition the repository and
 * local runner also read: provisioned capacity that autoscaling keeps near the
 * target utilization, on the table and on every global secondary index.
 */
export function Database({ stack, app }: StackContext) {
  const { database, removalPolicy } = stageSettings(app.stage);
  const { partitionKey, sortKey } = usersTable.primaryIndex;

  const table = new Table(stack, usersTable.id, {
    fields: usersTable.fields,
    primaryIndex: { partitionKey, sortKey },
    globalIndexes: Object.fromEntries(
      indexNames.map((name) => [
        name,
        {
          ...usersTable.globalIndexes[name],
          cdk: { index: { readCapacity: database.indexes.read.min, writeCapacity: database.indexes.write.min } },
        },
      ]),
    ),
    timeToLiveAttribute: usersTable.timeToLiveAttribute,
    cdk: {
      table: {
        billingMode: dynamodb.BillingMode.PROVISIONED,
        readCapacity: database.table.read.min,
        writeCapacity: database.table.write.min,
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        pointInTimeRecovery: true,
        deletionProtection: database.deletionProtection,
        removalPolicy,
      },
    },
  });

  const cdkTable = table.cdk.table as dynamodb.Table;
  const targetUtilizationPercent = database.targetUtilizationPercent;
  const bounds = ({ min, max }: { min: number; max: number }) => ({ minCapacity: min, maxCapacity: max });
  cdkTable.autoScaleReadCapacity(bounds(database.table.read)).scaleOnUtilization({ targetUtilizationPercent });
  cdkTable.autoScaleWriteCapacity(bounds(database.table.write)).scaleOnUtilization({ targetUtilizationPercent });
  for (const index of indexNames) {
    cdkTable.autoScaleGlobalSecondaryIndexReadCapacity(index, bounds(database.indexes.read)).scaleOnUtilization({ targetUtilizationPercent });
    cdkTable.autoScaleGlobalSecondaryIndexWriteCapacity(index, bounds(database.indexes.write)).scaleOnUtilization({ targetUtilizationPercent });
  }

  // Functions learn how the list index keys users only when a stage departs from the single-key default.
  if (JSON.stringify(database.listing) !== JSON.stringify(defaultListSettings)) {
    app.addDefaultFunctionEnv({ [LIST_SETTINGS_VARIABLE]: JSON.stringify(database.listing) });
  }

  stack.addOutputs({ TableName: table.tableName });
  return { table, indexNames };
}
