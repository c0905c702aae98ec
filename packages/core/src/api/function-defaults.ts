/** Settings every function shares, on AWS and locally. */
export const functionDefaults = {
  runtime: "nodejs22.x",
  architecture: "arm_64",
  memorySize: 512,
  /** Well under API Gateway's 29 s integration timeout. */
  timeoutSeconds: 10,
  serviceName: "users-api",
  metricsNamespace: "UsersApi",
} as const;

export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";
