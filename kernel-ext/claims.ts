import type { Claim } from "../src/course/index";
import { table } from "./table";

const MARK: Readonly<Record<Claim["verdict"], string>> = {
  holds: "✔ holds",
  differs: "✘ differs",
  unclear: "? unclear",
  "not measured": "… not measured",
};

/**
 * The "What we measured" table of a notebook: the claim, what was measured, the verdict (a
 * demonstration says so), why, the rule that decided it, and, apart, where Node differs by design.
 */
export function showClaims(claims: readonly Claim[], caption = "What the article claims and what this machine measured"): void {
  table(
    claims.map((c) => ({
      "The article says": c.claim,
      "Measured here": c.measured,
      Verdict: c.kind === "demonstration" ? `${MARK[c.verdict]} (demonstration)` : MARK[c.verdict],
      Why: c.reason,
      Rule: c.rule,
      "In Node, by design": c.nodeByDesign ?? "",
    })),
    { caption },
  );
}
