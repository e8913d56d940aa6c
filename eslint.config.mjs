// ESLint for the library, the kernel extension, the tools, the tests and the benchmarks: the
// recommended rules of ESLint and typescript-eslint, run by `npm test` (scripts/test.cjs).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["build/", "conclab/dist/", "conclab/python/", "node_modules/", "dist/", "results/", "test-artifacts/", ".venv/", ".ci/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The set-up, start and test scripts run as CommonJS on bare Node, before anything is built;
    // so do the probes that tests preload into a kernel.
    files: ["scripts/**/*.cjs", "test/fixtures/**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { require: "readonly", module: "writable", __dirname: "readonly", process: "readonly", console: "readonly", setTimeout: "readonly", clearTimeout: "readonly" },
    },
  },
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // require() is how a task reaches Node's modules: a task travels as source text and is rebuilt
      // in each worker and child, so it cannot use an import. Tools also load heavy modules lazily.
      "@typescript-eslint/no-require-imports": "off",
      // A leading underscore marks a name left unused on purpose (rest-destructuring to drop a key).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  {
    // What ships to readers stays readable in pieces: a function longer than this becomes several.
    files: ["src/**/*.ts", "kernel-ext/**/*.ts"],
    rules: { "max-lines-per-function": ["error", { max: 100, skipBlankLines: false, skipComments: false }] },
  },
);
