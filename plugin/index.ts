// OpenClaw entry of otheru-coordinator: thin on purpose; everything lives in src/.
import { definePluginEntry } from "openclaw/plugin-sdk/plugin-entry";
import { registerCoordinator } from "../src/adapters/openclaw/register.ts";

export default definePluginEntry({
  id: "otheru-coordinator",
  name: "otheru-coordinator",
  description: "Security coordinator: config-pinned tool policy, argument analysis and self-protection on every tool call",
  register: registerCoordinator,
});
