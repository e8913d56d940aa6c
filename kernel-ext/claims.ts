import type { Claim } from "../src/course/claims";
import { table } from "./table";

const MARK: Readonly<Record<Claim["verdict"], string>> = {
  holds: "✔ holds",
  differs: "✘ differs",
  "differs in Node by design": "≠ differs in Node by design",
  "unclear (noisy run)": "? unclear (noisy run)",
  "not measured": "… not measured",
};

/** The "What we measured" table of a notebook: claim, measurement, verdict, reason. */
export function showClaims(claims: readonly Claim[], caption = "What the article claims and what this machine measured"): void {
  table(
    claims.map((c) => ({ "The article says": c.claim, "Measured here": c.measured, Verdict: MARK[c.verdict], Why: c.reason })),
    { caption },
  );
}
