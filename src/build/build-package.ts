// npm run build: the self-contained npm package (built JS + manifest) in .build/package, packed to .build/*.tgz.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const OUT = join(ROOT, ".build");
const PKG = join(OUT, "package");

type Manifest = { version: string; description: string; license: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };

export function buildPackage(): string {
  const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Manifest;
  const pluginPkg = JSON.parse(readFileSync(join(ROOT, "plugin", "package.json"), "utf8")) as { openclaw: Record<string, unknown> };
  rmSync(PKG, { recursive: true, force: true });
  for (const f of existsSync(OUT) ? readdirSync(OUT) : []) if (f.endsWith(".tgz")) rmSync(join(OUT, f));
  mkdirSync(PKG, { recursive: true });
  const tsc = join(ROOT, "node_modules", ".bin", "tsc");
  execFileSync(tsc, ["-p", join(ROOT, "src", "build", "tsconfig.package.json")], { stdio: "inherit" });
  const pkg = {
    name: "otheru-coordinator",
    version: root.version,
    description: "Security coordinator plugin for the OpenClaw gateway: config-pinned tool policy on every tool call",
    license: root.license,
    type: "module",
    engines: { node: ">=24.16" },
    bin: { "otheru-coordinator": "dist/src/cli/main.js" },
    files: ["dist", "openclaw.plugin.json", "openclaw.config.example.json", "README.md"],
    dependencies: root.dependencies,
    peerDependencies: { openclaw: `>=${root.devDependencies.openclaw}` },
    openclaw: { ...pluginPkg.openclaw, extensions: ["./dist/plugin/index.js"] },
  };
  writeFileSync(join(PKG, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  copyFileSync(join(ROOT, "plugin", "openclaw.plugin.json"), join(PKG, "openclaw.plugin.json"));
  copyFileSync(join(ROOT, "openclaw.config.example.json"), join(PKG, "openclaw.config.example.json"));
  copyFileSync(join(ROOT, "README.md"), join(PKG, "README.md"));
  const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", OUT], { cwd: PKG, encoding: "utf8" }).trim().split("\n").pop() ?? "";
  return join(OUT, out);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${buildPackage()}\n`);
}
