#!/usr/bin/env node
// The otheru-coordinator command: exit 0 success, 1 the checked thing failed, 2 usage or config error.
import { parseArgs } from "node:util";
import { manifestText } from "../config/manifest.ts";
import { configJsonSchema } from "../config/schema.ts";
import { createGate } from "../gate/gate.ts";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { generateSigningKey } from "../audit/keys.ts";
import { formatRecord, readFiltered } from "../audit/show.ts";
import { verifyAuditDir } from "../audit/verify.ts";
import { runEvaluate } from "./evaluate.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, loadForCli, UsageError } from "./io.ts";
import { killSwitchStatus, runHealth, runStopResume, storeForEvaluate } from "./operator.ts";
import { rotationWarnings } from "../credentials/rotation.ts";
import { CHECK_OPTIONS, CheckUsageError, runCheckCommand } from "../hardening/run.ts";
import { runApprovals } from "./approvals.ts";

const USAGE = `usage: otheru-coordinator <command> [options]

commands:
  evaluate [--config FILE] [--state-dir DIR] [--audit-dir DIR] < cases.jsonl > decisions.jsonl
                                   decide tool calls offline exactly as the before_tool_call hook does
  stop [--config FILE] [--state-dir DIR] [--reason TEXT]
                                   emergency stop: every tool call in every gateway sharing the store is blocked
  resume [--config FILE] [--state-dir DIR]
                                   lift the emergency stop
  status [--config FILE] [--state-dir DIR] [--json]
                                   emergency stop state, the policy hash and what the loaded policy contains
  approvals list [--config FILE] [--state-dir DIR] [--json]
  approvals approve|deny ID [--config FILE] [--state-dir DIR] [--note TEXT]
                                   escalations waiting for a supervisor; decide one from the console (first decision wins)
  approvals grants [--json] | approvals revoke ID
                                   standing allow-always grants (OpenClaw route); revoke one
  health [--config FILE] [--state-dir DIR] [--json]
                                   dependency health (state store, audit log, kill switch); exit 1 when one is down
  audit verify DIR [--public-key FILE] [--checkpoint HASH]
                                   exit 0 when the hash chain and checkpoint signatures hold, 1 at the first break
  audit show DIR [--session KEY] [--tool NAME] [--decision D] [--kind K] [--date YYYY-MM-DD] [--json]
  audit tail DIR [-n N] [same filters]
                                   audit records for humans, one line each (tail: the last N, default 20)
  audit keygen FILE [--force]      an Ed25519 pair for signed checkpoints (FILE mode 600, FILE.pub)
  check [--deployment DIR] [--openclaw-config FILE] [--env-file FILE] [--live [--port N]...] [--json]
                                   deployment hardening checklist (ports, modes, secrets, proxy, monitors...); exit 1 on a failure
  config schema                    print the JSON Schema of the plugin config (plugin/openclaw.plugin.json)
  config manifest                  print plugin/openclaw.plugin.json as generated from the schema
  config validate FILE             check a config (whole openclaw.json or the plugin object); exit 2 lists every problem
  help                             this text

--config FILE takes a whole openclaw.json or the plugin config alone; default: openclaw.config.example.json.
\${VAR} placeholders resolve from the environment and the .env beside the config.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "evaluate": {
      const { values } = parseArgs({
        args: rest,
        options: { config: { type: "string" }, "state-dir": { type: "string" }, "audit-dir": { type: "string" } },
        strict: true,
      });
      const { loaded, layout } = loadForCli({ config: values.config, stateDir: values["state-dir"] }, process.env);
      for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
      const auditDir = values["audit-dir"];
      const store = storeForEvaluate({ loaded, layout, source: "" });
      const gate = createGate(loaded, layout, { audit: auditDir === undefined ? false : { dir: resolve(auditDir) }, store });
      await runEvaluate(gate, process.stdin, process.stdout);
      await gate.audit?.close();
      await store?.close();
      const st = gate.audit?.status();
      if (st && !st.ok) throw new UsageError(`--audit-dir: ${st.error ?? "the audit log could not be written"}`);
      return EXIT_OK;
    }
    case "audit": {
      const [sub, ...args] = rest;
      if (sub === "verify") {
        const { values, positionals } = parseArgs({ args, options: { "public-key": { type: "string" }, checkpoint: { type: "string" }, json: { type: "boolean" } }, allowPositionals: true, strict: true });
        if (positionals.length !== 1) throw new UsageError("usage: otheru-coordinator audit verify DIR [--public-key FILE] [--checkpoint HASH]");
        const dir = resolve(positionals[0] as string);
        if (!existsSync(dir)) throw new UsageError(`${dir}: no such directory; give the audit directory (default <state dir>/otheru-coordinator/audit)`);
        const publicKeyPem = values["public-key"] === undefined ? undefined : readFileSync(values["public-key"], "utf8");
        const r = await verifyAuditDir(dir, { publicKeyPem, checkpointHash: values.checkpoint });
        if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else if (r.ok) process.stdout.write(`ok: ${r.records} records in ${r.files} files, ${r.checkpoints} checkpoints${publicKeyPem ? " (signatures verified)" : " (signatures not checked: no --public-key)"}; last hash ${r.lastHash}\n`);
        else process.stdout.write(`BROKEN: ${r.break?.file} line ${r.break?.line} (seq ${r.break?.seq ?? "?"}): ${r.break?.problem}\n`);
        return r.ok ? EXIT_OK : EXIT_FAILED;
      }
      if (sub === "show" || sub === "tail") {
        const { values, positionals } = parseArgs({
          args,
          options: { session: { type: "string" }, tool: { type: "string" }, decision: { type: "string" }, kind: { type: "string" }, date: { type: "string" }, lines: { type: "string", short: "n" }, json: { type: "boolean" } },
          allowPositionals: true,
          strict: true,
        });
        if (positionals.length !== 1) throw new UsageError(`usage: otheru-coordinator audit ${sub} DIR [--session KEY] [--tool NAME] [--decision allow|block|escalate] [--kind KIND] [--date YYYY-MM-DD] [-n N] [--json]`);
        const dir = resolve(positionals[0] as string);
        if (!existsSync(dir)) throw new UsageError(`${dir}: no such directory; give the audit directory (default <state dir>/otheru-coordinator/audit)`);
        if (values.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.date)) throw new UsageError("--date: use YYYY-MM-DD");
        const n = values.lines === undefined ? (sub === "tail" ? 20 : Number.POSITIVE_INFINITY) : Number(values.lines);
        if (!Number.isInteger(n) && n !== Number.POSITIVE_INFINITY) throw new UsageError("-n: give a whole number of records");
        const records = await readFiltered(dir, { session: values.session, tool: values.tool, decision: values.decision, kind: values.kind, date: values.date });
        const shown = n === Number.POSITIVE_INFINITY ? records : records.slice(Math.max(0, records.length - n));
        for (const r of shown) process.stdout.write(`${values.json ? JSON.stringify(r) : formatRecord(r)}\n`);
        return EXIT_OK;
      }
      if (sub === "keygen") {
        const { values, positionals } = parseArgs({ args, options: { force: { type: "boolean" } }, allowPositionals: true, strict: true });
        if (positionals.length !== 1) throw new UsageError("usage: otheru-coordinator audit keygen FILE [--force]   (writes FILE mode 600 and FILE.pub)");
        const k = generateSigningKey(resolve(positionals[0] as string), values.force === true);
        process.stdout.write(`private key ${k.privateKeyPath} (mode 600; set audit.signingKey to it, keep it out of the agent's reach)\npublic key  ${k.publicKeyPath} (give it to audit verify --public-key)\nkey id      ${k.keyId}\n`);
        return EXIT_OK;
      }
      throw new UsageError("usage: otheru-coordinator audit verify DIR [--public-key FILE] [--checkpoint HASH] | audit show|tail DIR [filters] | audit keygen FILE");
    }
    case "stop":
    case "resume": {
      const { values } = parseArgs({
        args: rest,
        options: { config: { type: "string" }, "state-dir": { type: "string" }, ...(command === "stop" ? { reason: { type: "string" as const } } : {}) },
        strict: true,
      });
      const l = loadForCli({ config: values.config as string | undefined, stateDir: values["state-dir"] as string | undefined }, process.env);
      const reason = (values as { reason?: string }).reason;
      return runStopResume(l, command === "stop", reason, process.stdout);
    }
    case "approvals": {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { config: { type: "string" }, "state-dir": { type: "string" }, json: { type: "boolean" }, note: { type: "string" } }, strict: true });
      const [sub, id, ...extra] = positionals;
      const usage = "usage: otheru-coordinator approvals list|grants [--json] | approvals approve|deny ID [--note TEXT] | approvals revoke ID  (with --config FILE / --state-dir DIR)";
      const noId = sub === "list" || sub === "grants";
      const withId = sub === "approve" || sub === "deny" || sub === "revoke";
      if (!(noId && id === undefined) && !(withId && id !== undefined && extra.length === 0)) throw new UsageError(usage);
      const l = loadForCli({ config: values.config, stateDir: values["state-dir"] }, process.env);
      return runApprovals(l, sub as "list" | "approve" | "deny" | "grants" | "revoke", id, { json: values.json === true, note: values.note }, process.stdout);
    }
    case "health": {
      const { values } = parseArgs({ args: rest, options: { config: { type: "string" }, "state-dir": { type: "string" }, json: { type: "boolean" } }, strict: true });
      const l = loadForCli({ config: values.config, stateDir: values["state-dir"] }, process.env);
      return runHealth(l, values.json === true, process.stdout);
    }
    case "status": {
      const { values } = parseArgs({ args: rest, options: { config: { type: "string" }, "state-dir": { type: "string" }, json: { type: "boolean" } }, strict: true });
      const { loaded, layout, source } = loadForCli({ config: values.config, stateDir: values["state-dir"] }, process.env);
      const c = loaded.config;
      const ks = await killSwitchStatus({ loaded, layout, source });
      const status = {
        ...ks.json,
        policyHash: loaded.policyHash,
        config: source,
        rules: c.rules.map((r) => r.id),
        suspiciousPatterns: c.suspiciousPatterns.map((p) => p.id),
        criticalChannels: c.criticalChannels,
        highStakesTools: c.highStakesTools.length,
        defaultAction: c.defaultAction,
        highStakesAction: c.highStakesAction,
        stateDir: layout.stateDir,
        protectedPaths: layout.protectedPaths,
        credentials: c.credentials.map((x) => x.name),
        warnings: [...loaded.warnings, ...rotationWarnings(c.credentials, new Date())],
      };
      if (values.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      else {
        process.stdout.write(
          [
            `emergency stop   ${ks.line}`,
            `policy hash      ${status.policyHash}`,
            `config           ${status.config}`,
            `rules            ${status.rules.join(", ") || "(none)"}`,
            `patterns         ${status.suspiciousPatterns.join(", ") || "(built-in only)"}`,
            `critical         ${status.criticalChannels.join(", ") || "(none)"}`,
            `defaults         tools ${status.defaultAction}, high-stakes ${status.highStakesAction} (${status.highStakesTools} high-stakes tools)`,
            `state dir        ${status.stateDir}`,
            `credentials      ${status.credentials.join(", ") || "(none)"}`,
            ...status.warnings.map((w) => `warning          ${w}`),
          ].join("\n") + "\n",
        );
      }
      return ks.ok ? EXIT_OK : EXIT_FAILED;
    }
    case "check": {
      const { values } = parseArgs({ args: rest, options: CHECK_OPTIONS, strict: true });
      try {
        return runCheckCommand(values, process.stdout);
      } catch (err) {
        if (err instanceof CheckUsageError) throw new UsageError(err.message);
        throw err;
      }
    }
    case "config": {
      const [sub, ...args] = rest;
      if (sub === "schema" && args.length === 0) {
        process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
        return EXIT_OK;
      }
      if (sub === "manifest" && args.length === 0) {
        process.stdout.write(manifestText());
        return EXIT_OK;
      }
      if (sub === "validate" && args.length === 1) {
        const { loaded, source } = loadForCli({ config: args[0] }, process.env);
        for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
        process.stdout.write(`${source}: valid; policy hash ${loaded.policyHash}\n`);
        return EXIT_OK;
      }
      throw new UsageError("usage: otheru-coordinator config schema | config manifest | config validate FILE");
    }
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${USAGE}\n`);
      return EXIT_OK;
    default:
      throw new UsageError(command ? `unknown command "${command}"; run otheru-coordinator help` : USAGE);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`otheru-coordinator: ${(err as Error).message}\n`);
      process.exitCode = EXIT_USAGE;
    } else {
      process.stderr.write(`otheru-coordinator: internal error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = EXIT_USAGE;
    }
  },
);
