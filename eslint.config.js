// Type-aware lint beside Biome: only rules that need the type checker (Biome does the rest).
// `npm run lint` runs it; it covers the sources, tests, benchmarks and the console.
import tseslint from "typescript-eslint";

/** The files allowed to read the wall clock, draw non-seeded randomness, or print. */
const SHELL_CLOCK = ["src/clock.ts"];
const PRNG = ["src/node/p2p/backoff.ts"];
const CLI_OUTPUT = [
  "src/cli/**/*.ts",
  "bench/**/*.ts",
  "src/consensus/sim/cli.ts",
  "src/node/consensus/sim/cli.ts",
  "test/fuzz/cli.ts",
  "test/soak/cli.ts",
];
const TESTS = ["**/*.test.ts", "**/*.browser-test.ts", "**/*.test-util.ts", "test/**/*.ts"];

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "native/**",
      ".data/**",
      "bench/out/**",
      "**/*.js",
      "**/*.cjs",
      "**/*.mjs",
    ],
  },
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@typescript-eslint": tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // A promise nobody awaits loses its error (an unhandled rejection kills the node).
      "@typescript-eslint/no-floating-promises": "error",
      // A promise where a boolean or a void callback is expected is always truthy / never awaited.
      "@typescript-eslint/no-misused-promises": [
        "error",
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      "@typescript-eslint/await-thenable": "error",
      // `return promise` inside try skips the catch and the finally's ordering.
      "@typescript-eslint/return-await": ["error", "in-try-catch"],
      // A switch over a closed union (statuses, codes, message kinds) names every member.
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      // Errors are typed LedgerErrors (or at least Errors), never strings or plain objects.
      "@typescript-eslint/only-throw-error": "error",
      "@typescript-eslint/prefer-promise-reject-errors": "error",
      // "[object Object]" in a message or a key.
      "@typescript-eslint/no-base-to-string": "error",
      "@typescript-eslint/restrict-plus-operands": ["error", { allowNumberAndString: true }],
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
      // Time and randomness come in through the shell's clock and PRNG; output through the CLI.
      "no-restricted-properties": [
        "error",
        {
          object: "Date",
          property: "now",
          message: "read the time through src/clock.ts (the core never reads it)",
        },
        {
          object: "Math",
          property: "random",
          message: "draw from a seeded PRNG; only p2p backoff jitter may be unseeded",
        },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: "read the time through src/clock.ts (the core never reads it)",
        },
      ],
      "no-console": "error",
    },
  },
  { files: [...SHELL_CLOCK, ...TESTS], rules: { "no-restricted-syntax": "off" } },
  {
    files: [...SHELL_CLOCK, ...PRNG, ...TESTS],
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "Math",
          property: "random",
          message: "draw from a seeded PRNG, so a failure replays from its seed",
        },
      ],
    },
  },
  { files: PRNG, rules: { "no-restricted-properties": "off" } },
  { files: [...CLI_OUTPUT, ...TESTS], rules: { "no-console": "off" } },
);
