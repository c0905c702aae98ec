import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { tracer } from "./observability.js";

/**
 * Fetches a `Config.Secret` from SSM where `sst/node/config` would: the stage's path, then the app's
 * `.fallback` path (`sst secrets set --fallback`). Imported on first use only (see secrets.ts).
 */
const ssm = tracer.captureAWSv3Client(new SSMClient({}));

async function fetchParameter(name: string): Promise<string | undefined> {
  const { Parameters = [] } = await ssm.send(new GetParametersCommand({ Names: [name], WithDecryption: true }));
  return Parameters.find((parameter) => parameter.Name === name)?.Value;
}

export async function fetchSecret(id: string): Promise<string> {
  const stagePath = `${process.env.SST_SSM_PREFIX ?? ""}Secret/${id}/value`;
  const value = (await fetchParameter(stagePath)) ?? (await fetchParameter(`/sst/${process.env.SST_APP}/.fallback/Secret/${id}/value`));
  if (value === undefined) throw new Error(`The following secret values are not set in the "${process.env.SST_STAGE} stage": ${id}`);
  return value;
}
