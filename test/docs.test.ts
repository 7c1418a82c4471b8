import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const manifest = JSON.parse(readFileSync(new URL("../plugin/openclaw.plugin.json", import.meta.url), "utf8")) as { configSchema: JsonSchema };
type JsonSchema = { properties?: Record<string, JsonSchema>; items?: JsonSchema };

function keyPaths(schema: JsonSchema, prefix = ""): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${k}` : k;
    out.push(path, ...keyPaths(v, path));
    if (v.items?.properties) out.push(...keyPaths(v.items, `${path}[]`));
  }
  return out;
}

test("the README's config reference names every config key of the schema", () => {
  const missing = keyPaths(manifest.configSchema).filter((p) => !readme.includes(`\`${p}\``));
  assert.deepEqual(missing, []);
});

test("the README states the two commands", () => {
  assert.match(readme, /npm ci && npm start/);
  assert.match(readme, /npm test/);
});
