// secretlint, set up once per process. Its profiler is on by default and keeps every performance mark and
// measure it makes (about 4 KB per linted text, never released), so it is switched off before any lint runs.
import { lintSource } from "@secretlint/core";
import { secretLintProfiler } from "@secretlint/profiler";

secretLintProfiler.setEnabled(false);

export { lintSource };
