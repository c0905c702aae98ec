import { APIGatewayClient } from "@aws-sdk/client-api-gateway";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { DEFAULT_REGION } from "@users-api/core/app";
import { findAwsCredentials, missingCredentialsMessage } from "@users-api/core/aws/credentials";
import { SET_UP_COMMAND, setUpAccount, unmetPreconditions } from "./preconditions.js";

/**
 * `pnpm run account:check`: does this AWS account meet what a first deploy needs? (exit 1 with one line per gap)
 * `pnpm run account:setup`: the one-time set-up of those account settings, never replacing one already set.
 * Uses the standard AWS environment (credentials, AWS_REGION, AWS_ENDPOINT_URL); the region defaults to the app's.
 */
const USAGE = "usage: pnpm account:check | pnpm account:setup (with AWS credentials for the account)";

async function main(command: string | undefined): Promise<number> {
  if (command !== "check" && command !== "setup") {
    console.error(USAGE);
    return 2;
  }
  if (!(await findAwsCredentials()).found) {
    console.error(missingCredentialsMessage(`pnpm account:${command}`));
    return 1;
  }
  const region = process.env.AWS_REGION ?? DEFAULT_REGION;
  const apiGateway = new APIGatewayClient({ region });
  const cloudFormation = new CloudFormationClient({ region });
  try {
    if (command === "check") {
      console.log(`Checking the account's preconditions for a first deploy (${region})...`);
      const problems = await unmetPreconditions(apiGateway, region);
      for (const problem of problems) console.error(problem);
      console.log(
        problems.length === 0 ? "The account is ready for a first deploy." : `Not ready: ${problems.length} account setting(s) missing (${SET_UP_COMMAND}).`,
      );
      return problems.length === 0 ? 0 : 1;
    }
    if (command === "setup") {
      await setUpAccount({ apiGateway, cloudFormation }, (line) => console.log(line));
      console.log("The account's one-time set-up is done.");
      return 0;
    }
    console.error(USAGE);
    return 2;
  } finally {
    apiGateway.destroy();
    cloudFormation.destroy();
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Account ${process.argv[2] ?? ""} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
