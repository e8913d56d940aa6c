/** The strategy a unit-cost measurement was asked for, checked against the descriptors' unit operations. */
import { rangeError } from "../../errors";
import { nodeUnitOf, UNIT_STRATEGIES, type UnitStrategy } from "../../strategies/descriptors";
import type { UnitOperations } from "../../strategies/unit-operations";

/** `"async", "threads", "processes"`: the strategies whose unit costs Node measures, quoted for an error. */
export const quotedUnits = (): string => UNIT_STRATEGIES.map((key) => `"${key}"`).join(", ");

/** The unit operations of `strategy`; a name without them is refused, naming the parameter, the value and the fix. */
export function unitOperations(param: string, strategy: unknown, what: string): UnitOperations {
  const unit = typeof strategy === "string" ? nodeUnitOf(strategy) : undefined;
  if (!unit) throw rangeError(param, `one of ${quotedUnits()}`, strategy, `${what} is measured for those, the strategies whose descriptors say how to start one unit`);
  return unit;
}

export type { UnitStrategy };
