// The library's layers, bottom-up, checked by dependency-cruiser in `npm test`: a module may import
// its own layer and those below it, never one above. A newcomer reads the folders in this order.
"use strict";

const LAYERS = [
  { name: "base: errors, the machine, run-time bookkeeping", paths: ["src/errors\\.ts", "src/runtime/", "src/machine-limits\\.ts", "src/python\\.ts", "src/environment\\.ts"] },
  { name: "measurement", paths: ["src/measure/"] },
  { name: "tasks and their wire format", paths: ["src/tasks/"] },
  { name: "workers", paths: ["src/workers/"] },
  { name: "pools", paths: ["src/pools/"] },
  { name: "the job queue: its server, hosts and workers", paths: ["src/queue/"] },
  { name: "strategies", paths: ["src/strategies/"] },
  { name: "experiments", paths: ["src/experiment/"] },
  { name: "figures", paths: ["src/figures/"] },
  { name: "the course: claims, verdicts, captions", paths: ["src/course/"] },
  { name: "the package entries (conclab and conclab/internal)", paths: ["src/index\\.ts", "src/internal\\.ts"] },
  { name: "the kernel adapter", paths: ["kernel-ext/"] },
];

const pattern = (paths) => `^(${paths.join("|")})`;

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${i}`,
  comment: `${layer.name} may not import a higher layer (${LAYERS.slice(i + 1).map((l) => l.name).join("; ")})`,
  severity: "error",
  from: { path: pattern(layer.paths) },
  to: { path: pattern(LAYERS.slice(i + 1).flatMap((l) => l.paths)) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: "no-circular",
      comment: "a cycle makes the layers unreadable from the bottom up",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "kernel-uses-public-entries",
      comment: "the kernel adapter reaches the library as notebooks do: through conclab (src/index.ts) and conclab/course (src/course/index.ts) only",
      severity: "error",
      from: { path: "^kernel-ext/" },
      to: { path: "^src/", pathNot: "^src/(index|course/index)\\.ts$" },
    },
    {
      name: "library-stays-out-of-tools",
      comment: "the library and the kernel adapter ship to readers: they import nothing from the tools, tests, benchmarks or scripts",
      severity: "error",
      from: { path: "^(src|kernel-ext)/" },
      to: { path: "^(tools|test|bench|scripts)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(build|conclab/dist|node_modules)/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
  },
};
