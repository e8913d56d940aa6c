import { accessSync, constants } from "node:fs";
import * as path from "node:path";

/** The first executable file called `name` in the directories of `env.PATH`, then in `extraDirs`; null when none is. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env, extraDirs: readonly string[] = []): string | null {
  for (const dir of [...(env.PATH ?? "").split(path.delimiter).filter(Boolean), ...extraDirs]) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}
