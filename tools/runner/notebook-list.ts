import { readdirSync } from "node:fs";
import * as path from "node:path";
import { NOTEBOOKS_DIR } from "../paths";

/** The course's notebooks in reading order (file names start with their number). */
export function courseNotebooks(dir: string = NOTEBOOKS_DIR): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".ipynb"))
    .sort()
    .map((name) => path.join(dir, name));
}
