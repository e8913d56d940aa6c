/**
 * What a chapter of the course is, as the library sees it: the notebook it belongs to, the claims
 * it decides, the questions it asks first, and its experiments at their short size, judged. Each
 * chapter module (`chapters/NN-name.ts`) exports one `chapter`; the registry lists them in reading
 * order, and the summary, the navigation, the structure test, the saved results and the README's
 * table read that list.
 */
import type { Claim } from "./claims";
import type { Question } from "./questions";

/** A chapter's verdicts and the numbers saved beside them. */
export interface ChapterResults {
  readonly claims: Claim[];
  readonly data: Record<string, unknown>;
}

/** How big a chapter's experiments run: `full` in its notebook, `short` where another chapter or the summary needs its verdicts. */
export type Size = "full" | "short";

export interface Chapter {
  /** The notebook's file name without `.ipynb` (e.g. `05-cpu-bound-examples`): results are saved under it. */
  readonly id: string;
  /** The notebook's title, its first `# ` heading. */
  readonly title: string;
  /** The question under the title (`> …`); empty for the index. */
  readonly question: string;
  /** What it measures, in a line: the README's table of chapters. */
  readonly about: string;
  /** The ids of the claims the chapter decides, in the order it shows them; empty where it decides none. */
  readonly claims: readonly string[];
  /** The predict-first questions it asks, each answered by one of its claims. */
  readonly questions: readonly Question[];
  /** Its experiments at their short size, judged: what the summary runs when the chapter has no saved results. */
  readonly shortRun?: () => Promise<ChapterResults>;
}
