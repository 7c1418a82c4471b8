import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseConfig } from "../../src/config/load.ts";
import type { GateInput } from "../../src/gate/gate.ts";
import { gateFor } from "../helpers.ts";

const exec = (command: string, workdir = "/home/dev/projects/webapp"): GateInput => ({ tool: "exec", params: { command, workdir }, sessionKey: "agent:main:main" });

describe("operator suspiciousPatterns: commands, argument predicates, path classes", () => {
  const gate = gateFor({
    suspiciousPatterns: [
      { id: "no-prod-psql", commands: ["psql"], args: "prod-db\\.internal", action: "block", reason: "Production database access is not allowed from chat." },
      { id: "kubectl-delete", commands: ["kubectl"], args: "^delete\\b", action: "escalate", reason: "Deleting Kubernetes objects needs a human." },
      { id: "no-writes-outside", tools: ["write", "edit", "exec"], pathClasses: ["outside-workspace"], access: ["write"], action: "escalate", reason: "Writes outside the workspace need approval." },
      { id: "tickets-regex", tools: ["message"], pattern: "JIRA-\\d+", action: "escalate", reason: "Ticket references go through a human." },
    ],
  });
  const cases: [string, GateInput, string, string[]][] = [
    ["command + args", exec("psql -h prod-db.internal -c 'select 1'"), "block", ["no-prod-psql"]],
    ["the command is found through wrappers and nesting", exec("sudo -u app timeout 30 sh -c \"psql -h prod-db.internal\""), "block", ["no-prod-psql"]],
    ["the same command elsewhere passes", exec("psql -h localhost -c 'select 1'"), "allow", ["highstakes.default"]],
    ["the words as data do not count", exec("echo psql -h prod-db.internal >> NOTES.md"), "allow", ["highstakes.default"]],
    ["argument predicate", exec("kubectl delete pod api-7f9"), "escalate", ["kubectl-delete"]],
    ["argument predicate, near miss", exec("kubectl get pods"), "allow", ["highstakes.default"]],
    ["path class + access through a tool", { tool: "write", params: { path: "/data/app/config.yml", content: "x" }, sessionKey: "agent:main:main" }, "escalate", ["no-writes-outside"]],
    ["path class + access through the shell", exec("cp build.tgz /data/releases/"), "escalate", ["no-writes-outside"]],
    ["reading outside is not writing", exec("cat /data/app/config.yml"), "allow", ["highstakes.default"]],
    ["writing inside the project passes", exec("cp a.txt b.txt"), "allow", ["highstakes.default"]],
    ["regular expression over a tool's strings", { tool: "message", params: { action: "send", to: "42", text: "closing JIRA-123" }, sessionKey: "agent:main:main" }, "escalate", ["tickets-regex"]],
  ];
  for (const [name, input, decision, ruleIds] of cases) {
    test(name, async () => {
      const r = await gate.decide(input);
      assert.deepEqual({ decision: r.decision.kind, ruleIds: r.decision.ruleIds }, { decision, ruleIds }, r.decision.reason);
    });
  }
  test("the decision names the normalised command that triggered it", async () => {
    const r = await gate.decide(exec("sudo -u app timeout 30 sh -c \"psql -h prod-db.internal\""));
    assert.equal(r.decision.evidence, "psql -h prod-db.internal");
  });
});

describe("operator pattern config errors", () => {
  const problems = (p: unknown) => {
    const r = parseConfig({ suspiciousPatterns: [p] }, {});
    return r.ok ? [] : r.problems;
  };
  test("a pattern that matches nothing", () =>
    assert.deepEqual(problems({ id: "x", reason: "r" }), ["suspiciousPatterns.0: has nothing to match; give pattern, commands or pathClasses; correct the value (see the config reference in README.md)"]));
  test("args without commands", () =>
    assert.deepEqual(problems({ id: "x", pattern: "a", args: "b", reason: "r" }), ["suspiciousPatterns.0.args: args needs commands; correct the value (see the config reference in README.md)"]));
  test("an unknown path class", () =>
    assert.match(problems({ id: "x", pathClasses: ["moon"], reason: "r" }).join("\n"), /^suspiciousPatterns\.0\.pathClasses\.0: expected one of .*"credential".*; use one of/));
  test("a broken args expression", () =>
    assert.match(problems({ id: "x", commands: ["psql"], args: "[", reason: "r" }).join("\n"), /^suspiciousPatterns\.0\.args: is not a valid regular expression/));
});
