import { describe, expect, it } from "vitest";
import { loadCompositeAction, stepOf } from "./helpers/github-files.js";

const action = await loadCompositeAction("preview-comment");
const scriptStep = stepOf(action.runs.steps, { uses: "actions/github-script" });
const script = String(scriptStep.with?.script ?? "");

interface IssueComment {
  readonly id: number;
  body: string;
  readonly user: { readonly login: string } | null;
}
interface Target {
  readonly owner: string;
  readonly repo: string;
}

/**
 * The slice of GitHub's issue-comments REST API the script uses, kept in memory, shaped as actions/github-script's
 * Octokit client exposes it (`github.rest.issues.*`, `github.paginate`).
 */
class IssueCommentsApi {
  readonly comments = new Map<number, IssueComment[]>();
  private nextId = 1;

  constructor(private readonly target: Target) {}

  seed(issue: number, login: string, body: string) {
    const comment = { id: this.nextId++, body, user: { login } };
    this.comments.set(issue, [...(this.comments.get(issue) ?? []), comment]);
    return comment;
  }

  private check(params: Target) {
    if (params.owner !== this.target.owner || params.repo !== this.target.repo) {
      throw new Error(`404 Not Found: ${params.owner}/${params.repo}`);
    }
  }

  readonly github = {
    paginate: async <P, T>(method: (params: P) => Promise<{ data: T[] }>, params: P): Promise<T[]> => (await method(params)).data,
    rest: {
      issues: {
        listComments: async (params: Target & { issue_number: number }) => {
          this.check(params);
          return { data: [...(this.comments.get(params.issue_number) ?? [])] };
        },
        createComment: async (params: Target & { issue_number: number; body: string }) => {
          this.check(params);
          return { data: this.seed(params.issue_number, "github-actions[bot]", params.body) };
        },
        updateComment: async (params: Target & { comment_id: number; body: string }) => {
          this.check(params);
          const comment = [...this.comments.values()].flat().find(({ id }) => id === params.comment_id);
          if (!comment) throw new Error(`404 Not Found: comment ${params.comment_id}`);
          comment.body = params.body;
          return { data: comment };
        },
      },
    },
  };
}

type ScriptFunction = (github: unknown, context: unknown, process: unknown) => Promise<unknown>;
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...parameters: string[]) => ScriptFunction;

/** Runs the action's script as actions/github-script does: the body of an async function given `github` and `context`. */
async function runScript(api: IssueCommentsApi, issue: number, body: string) {
  const context = { repo: { owner: "acme", repo: "users-api" }, issue: { owner: "acme", repo: "users-api", number: issue } };
  await new AsyncFunction("github", "context", "process", script)(api.github, context, { env: { COMMENT_BODY: body } });
}

const marker = "<!-- users-api-preview -->";

describe("the preview-comment action", () => {
  it("passes the body to the script through the environment", () => {
    expect(scriptStep.env).toEqual({ COMMENT_BODY: "${{ inputs.body }}" });
    expect(action.inputs?.body?.required).toBe(true);
  });

  it("comments once on the first deploy", async () => {
    const api = new IssueCommentsApi({ owner: "acme", repo: "users-api" });

    await runScript(api, 12, "API: https://a.example/pr-12/");

    expect(api.comments.get(12)).toEqual([{ id: 1, body: `${marker}\nAPI: https://a.example/pr-12/`, user: { login: "github-actions[bot]" } }]);
  });

  it("updates that comment in place on later pushes and on removal", async () => {
    const api = new IssueCommentsApi({ owner: "acme", repo: "users-api" });
    api.seed(12, "ada", "Looks good");

    await runScript(api, 12, "deployed from aaa");
    await runScript(api, 12, "deployed from bbb");
    await runScript(api, 12, "removed");

    expect(api.comments.get(12)?.map(({ body }) => body)).toEqual(["Looks good", `${marker}\nremoved`]);
  });

  it("leaves a person's comment that quotes the marker alone", async () => {
    const api = new IssueCommentsApi({ owner: "acme", repo: "users-api" });
    api.seed(12, "ada", `Why does ${marker} appear here?`);

    await runScript(api, 12, "deployed");

    expect(api.comments.get(12)?.map(({ user, body }) => [user?.login, body])).toEqual([
      ["ada", `Why does ${marker} appear here?`],
      ["github-actions[bot]", `${marker}\ndeployed`],
    ]);
  });

  it("keeps each pull request's comment on that pull request", async () => {
    const api = new IssueCommentsApi({ owner: "acme", repo: "users-api" });

    await runScript(api, 12, "twelve");
    await runScript(api, 13, "thirteen");
    await runScript(api, 12, "twelve again");

    expect(api.comments.get(12)?.map(({ body }) => body)).toEqual([`${marker}\ntwelve again`]);
    expect(api.comments.get(13)?.map(({ body }) => body)).toEqual([`${marker}\nthirteen`]);
  });
});
