/**
 * A chapter's results, checked against the registry: what a notebook saves (only the claims its
 * chapter decides, under its id), and what the summary gathers (every chapter's verdicts, from
 * saved results where they still apply, else from its short version run now).
 */
import { rangeError } from "../errors";
import { loadResults, resultsDir, resultsSource, saveResults as writeResults, type Claim } from "./claims";
import { chapterById, CHAPTERS } from "./registry";

/**
 * Saves chapter `chapterId`'s claims (and numbers) as `results/<chapterId>.json` and returns the
 * file's path. The id must be a registered chapter that decides claims, and every claim one it
 * decides: results saved under the wrong chapter would answer the summary for it.
 */
export function saveResults(chapterId: string, claims: readonly Claim[], data: Readonly<Record<string, unknown>> = {}, dir = resultsDir()): string {
  const chapter = chapterById(chapterId);
  const judging = CHAPTERS.filter((c) => c.claims.length > 0).map((c) => c.id);
  if (!chapter || chapter.claims.length === 0) {
    throw rangeError("chapterId", `one of ${judging.join(", ")}`, chapterId, "pass the notebook's name as src/course/registry.ts lists it");
  }
  const foreign = claims.map((c) => c.id).filter((id) => !chapter.claims.includes(id));
  if (foreign.length > 0) {
    throw rangeError("claims", `claims of ${chapterId} (${chapter.claims.join(", ")})`, foreign.join(", "), "save each claim with the chapter that decides it, or add its id to that chapter's `claims`");
  }
  return writeResults(chapterId, claims, data, dir);
}

/** One chapter's verdicts and where they come from. */
export interface GatheredSection {
  readonly section: string;
  /** "measured …" from the saved results, or "short run now". */
  readonly source: string;
  readonly claims: readonly Claim[];
}

/**
 * Every chapter's verdicts, in reading order: the saved results where this machine and this
 * version of the course saved them, else the chapter's short version, run now (`onShortRun` is
 * told before each such run). Chapters that decide no claim (the index, the summary) are left out.
 */
export async function gatherSections(options: { onShortRun?: (section: string) => void; resultsDir?: string } = {}): Promise<GatheredSection[]> {
  const saved = loadResults(options.resultsDir);
  const onShortRun = options.onShortRun ?? ((section: string) => console.log(`${section}: no saved results, running its short version…`));
  const gathered: GatheredSection[] = [];
  for (const { id: section, shortRun } of CHAPTERS) {
    if (!shortRun) continue;
    const found = saved.get(section);
    if (found) {
      gathered.push({ section, source: resultsSource(found), claims: [...found.claims] });
    } else {
      onShortRun(section);
      gathered.push({ section, source: "short run now", claims: (await shortRun()).claims });
    }
  }
  return gathered;
}
