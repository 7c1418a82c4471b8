#!/usr/bin/env node
// Checkout entry of the otheru-coordinator command: runs the TypeScript sources on Node >= 24 (type stripping).
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  process.stderr.write(
    `otheru-coordinator: needs Node 24 or newer (this is ${process.version}); run it through npm (npx otheru-coordinator …) so the node@24 devDependency is used\n`,
  );
  process.exit(2);
}
await import("../../src/cli/main.ts");
