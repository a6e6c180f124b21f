// What both comparisons share: where the binaries are, which CPU runs what, their command
// line, the URL a started server announced, and one atrium-bench run.

import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runPinned } from "./processes.mjs";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** build/bin/NAME, or $NAME_BIN (e.g. ATRIUM_BIN) when set. */
export const bin = (name) => process.env[`${name.toUpperCase().replace(/-/g, "_")}_BIN`] ||
                             join(root, "build/bin", name);
export const SERVER_CPU = 0;
export const BENCH_CPU = 1;

/**
 * `--flag value` pairs over `defaults`: numbers unless the flag is in `strings`; `--out` is a
 * path, resolved.
 */
export function parseOptions(argv, defaults, strings = []) {
  const opts = { out: join(root, "build/compare"), ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i].replace(/^--/, "");
    if (!(flag in opts) || i + 1 >= argv.length) throw new Error(`unknown or incomplete: ${argv[i]}`);
    const value = argv[++i];
    opts[flag] = flag === "out" || strings.includes(flag) ? value : Number(value);
  }
  opts.out = resolve(opts.out);
  return opts;
}

/** The client URL a server announced when it started listening. */
export function urlOf(proc) {
  for (const line of proc.lines) {
    const m = /listening on (http:\/\/\S+)/.exec(line);
    if (m) return m[1];
  }
  throw new Error(`${proc.name}: no listening line`);
}

/** Runs atrium-bench on BENCH_CPU and shows its report (the JSON line goes to --json). */
export async function runBench(name, args, limitMs) {
  const result = await runPinned(name, BENCH_CPU, bin("atrium-bench"), args, limitMs);
  process.stdout.write(result.output.split("\n").filter((l) => !l.startsWith("json: ")).join("\n") + "\n");
  return result;
}
