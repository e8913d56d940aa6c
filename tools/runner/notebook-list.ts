import * as path from "node:path";
import { CHAPTERS } from "conclab/course";
import { NOTEBOOKS_DIR } from "../paths";

/** The course's notebooks in reading order, as the registry of chapters lists them. */
export function courseNotebooks(dir: string = NOTEBOOKS_DIR): string[] {
  return CHAPTERS.map((chapter) => path.join(dir, `${chapter.id}.ipynb`));
}
