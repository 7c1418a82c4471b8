// plugin/openclaw.plugin.json, generated from the zod schema so the two never drift.
import { PLUGIN_ID } from "./load.ts";
import { configJsonSchema } from "./schema.ts";

export function pluginManifest(): Record<string, unknown> {
  return {
    id: PLUGIN_ID,
    name: "otheru-coordinator",
    description: "Security coordinator for OpenClaw: config-pinned tool policy, shell argument analysis and self-protection on every tool call.",
    categories: ["security"],
    activation: { onStartup: true },
    configSchema: configJsonSchema(),
  };
}

export function manifestText(): string {
  return `${JSON.stringify(pluginManifest(), null, 2)}\n`;
}
