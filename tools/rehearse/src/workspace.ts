import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from "node:fs";
import path from "node:path";

/**
 * A copy of the project's working tree (tracked and untracked files, not what .gitignore ignores) in
 * `target`, with every node_modules linked to the original. The rehearsal deploys from the copy, so its
 * `.sst/` and the second deploy's code change never touch the checkout it rehearses.
 */
export function copyWorkingTree(root: string, target: string): string {
  const listing = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
  const files = listing.split("\0").filter((file) => file && existsSync(path.join(root, file)) && statSync(path.join(root, file)).isFile());
  for (const file of files) {
    mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    copyFileSync(path.join(root, file), path.join(target, file));
  }
  // The workspace's packages: the product's under packages/, the tools' under tools/ (pnpm-workspace.yaml).
  const workspaceDirs = ["packages", "tools"].filter((dir) => existsSync(path.join(root, dir)));
  const moduleDirs = ["node_modules", ...workspaceDirs.flatMap((dir) => readdirSync(path.join(root, dir)).map((name) => path.join(dir, name, "node_modules")))];
  for (const dir of moduleDirs) {
    if (existsSync(path.join(root, dir)) && existsSync(path.dirname(path.join(target, dir)))) symlinkSync(path.join(root, dir), path.join(target, dir), "dir");
  }
  return target;
}
