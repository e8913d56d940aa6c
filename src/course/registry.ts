/**
 * The course's chapters in reading order. Adding a chapter is its notebook, its module under
 * `chapters/`, and its line here (an import, and its name in the list): the summary, the
 * navigation, the structure test, the saved results and the README's table read CHAPTERS, and
 * `conclab/course` exports each module under the name given here.
 */
import type { Chapter } from "./chapter";
import * as overview from "./chapters/00-index";
import * as concepts from "./chapters/01-core-concepts";
import * as gil from "./chapters/02-the-gil";
import * as approaches from "./chapters/03-approaches";
import * as prosAndCons from "./chapters/04-pros-and-cons";
import * as cpuBound from "./chapters/05-cpu-bound-examples";
import * as waiting from "./chapters/06-waiting-examples";
import * as choosing from "./chapters/07-choosing";
import * as sharedState from "./chapters/08-shared-state";
import * as granularity from "./chapters/10-amdahl-granularity";
import * as libuvPool from "./chapters/11-libuv-pool";
import * as starvedLoop from "./chapters/12-starved-loop";
import * as backpressure from "./chapters/13-backpressure";
import * as cpythonToday from "./chapters/14-cpython-today";
import * as beyondOneMachine from "./chapters/15-beyond-one-machine";
import * as summary from "./chapters/16-summary";

export { overview, concepts, gil, approaches, prosAndCons, cpuBound, waiting, choosing, sharedState, granularity, libuvPool, starvedLoop, backpressure, cpythonToday, beyondOneMachine, summary };

export const CHAPTERS: readonly Chapter[] = [overview, concepts, gil, approaches, prosAndCons, cpuBound, waiting, choosing, sharedState, granularity, libuvPool, starvedLoop, backpressure, cpythonToday, beyondOneMachine, summary].map((module) => module.chapter);

/** The chapter whose notebook is `id` (e.g. `05-cpu-bound-examples`), or undefined. */
export function chapterById(id: string): Chapter | undefined {
  return CHAPTERS.find((c) => c.id === id);
}
