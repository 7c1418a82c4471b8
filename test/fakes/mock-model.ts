// The e2e tests' model: the demo's scripted OpenAI-compatible server, driven by `SCENARIO:<name>` markers.
import {
  type ModelRequest,
  SCRIPTED_MODEL_ID,
  type ScriptedModel,
  type ScriptedReply,
  startScriptedModel,
} from "../../src/demo/scripted-model.ts";

export { contentText, toolResultsSeen } from "../../src/demo/scripted-model.ts";

export type MockReply = ScriptedReply;
/** Scenario name (the `<name>` in `SCENARIO:<name>`) -> reply. */
export type MockScript = Readonly<Record<string, MockReply>>;
export type MockModelRequest = ModelRequest;
export type MockModel = ScriptedModel;
export const MOCK_MODEL_ID = SCRIPTED_MODEL_ID;

const SCENARIO_MARKER = /SCENARIO:([A-Za-z0-9_.-]+)/;

/** Start the mock on 127.0.0.1 with an OS-chosen port. */
export function startMockModel(options: { readonly script: MockScript }): Promise<MockModel> {
  return startScriptedModel({
    reply: (text) => {
      const name = SCENARIO_MARKER.exec(text)?.[1];
      if (name === undefined) return { text: "MOCK-TEXT: no scenario marker" };
      return options.script[name] ?? { text: `MOCK-TEXT: unknown scenario ${name}` };
    },
  });
}
