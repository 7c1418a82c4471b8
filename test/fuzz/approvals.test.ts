// Fuzzing the approval callbacks (attacker-reachable): parseButtonData accepts exactly "oc1:[ad]:<16 id chars>",
// and the click handler over a real broker on node:sqlite answers every forged, truncated, oversized, replayed,
// wrong-chat and bot click with a text, decides each escalation at most once, and only for a supervisor.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { type Broker, createBroker, type EscalationInput } from "../../src/approvals/broker.ts";
import { createClickHandler, parseButtonData, type SupervisorChat } from "../../src/approvals/clicks.ts";
import type { ApprovalClick, Escalation } from "../../src/approvals/types.ts";
import type { AuditEntry } from "../../src/audit/record.ts";
import { openStateStore } from "../../src/state/store.ts";
import { params, withinDeadline, withinDeadlineSync } from "./support.ts";
import { escalationInput } from "../helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "otheru-fuzz-approvals-"));
const store = openStateStore({ kind: "sqlite", path: join(dir, "state.sqlite"), timeoutMs: 5000, namespace: "t" });
const quiet = { warn: () => undefined, error: () => undefined };
const brokerRecords: AuditEntry[] = [];
const broker: Broker = createBroker({ store, instanceId: "fuzz:1:aaaa", record: async (e) => void brokerRecords.push(e), log: quiet, pollMs: 50 });
/** Creates escalations that expired ten minutes ago, on the same store. */
const pastBroker: Broker = createBroker({ store, instanceId: "fuzz:1:aaaa", record: async () => undefined, log: quiet, now: () => Date.now() - 600_000 });
after(async () => {
  broker.close();
  pastBroker.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const TG_CHAT = "-100500";
const GUILD = "111111111111111111";
const CHANNEL = "222222222222222222";
const THREAD = "444444444444444444";
const REQUESTER = "42";
/** The requester is a supervisor too: they may deny their own call, never approve it. */
const TG_SUPERVISORS = ["7", "8", REQUESTER];
const DC_SUPERVISORS = ["333333333333333333"];
const CHATS: SupervisorChat[] = [
  { platform: "telegram", chatId: TG_CHAT, supervisors: TG_SUPERVISORS },
  { platform: "discord", guildId: GUILD, channelId: CHANNEL, supervisors: DC_SUPERVISORS },
];
const INPUT: EscalationInput = escalationInput(REQUESTER);

const DATA = /^oc1:[ad]:[A-Za-z0-9_-]{16}$/;
const ID_CHARS = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"];
const validData = fc.tuple(fc.constantFrom("a", "d"), fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 16, maxLength: 16 })).map(([d, id]) => `oc1:${d}:${id}`);
/** Near misses of valid data: truncated, extended, one character changed, case, separators, whitespace, oversized. */
const nearMiss = fc.tuple(validData, fc.nat({ max: 30 }), fc.string({ unit: "binary", minLength: 1, maxLength: 3 }), fc.nat({ max: 9 })).map(([d, i, junk, how]) => {
  const at = i % d.length;
  switch (how) {
    case 0:
      return d.slice(0, at);
    case 1:
      return d + junk;
    case 2:
      return d.slice(0, at) + junk + d.slice(at + 1);
    case 3:
      return d.toUpperCase();
    case 4:
      return d.replace(/:/g, "::");
    case 5:
      return `${d}\n`;
    case 6:
      return ` ${d}`;
    case 7:
      return d + "x".repeat(100_000);
    case 8:
      return `oc2${d.slice(3)}`;
    default:
      return `${d.slice(0, 6)}${d.slice(6).split("").reverse().join("")}:x`;
  }
});
const anyData = fc.oneof(validData, nearMiss, fc.string({ unit: "binary", maxLength: 80 }), fc.anything());

describe("fuzz: approval callbacks", () => {
  test("parseButtonData accepts exactly oc1:[ad]:<16 id chars> and round-trips it; anything else is {ok: false}", () => {
    fc.assert(
      fc.property(anyData, (data) => {
        const r = withinDeadlineSync("parseButtonData", () => parseButtonData(data));
        const valid = typeof data === "string" && DATA.test(data);
        if (!valid) return assert.deepEqual(r, { ok: false });
        assert.ok(r.ok);
        assert.equal(`oc1:${r.decision === "approve" ? "a" : "d"}:${r.id}`, data);
      }),
      params(1_000, 0xa991),
    );
  });

  test("clicks of every kind, all at once, on three escalations (one expired): a text for each, at most one decision each, only by a supervisor", async () => {
    type Target = "approve0" | "deny0" | "approve1" | "deny1" | "approveExpired" | "unknownId" | "other";
    const click = fc.record({
      target: fc.constantFrom<Target>("approve0", "deny0", "approve1", "deny1", "approveExpired", "unknownId", "other"),
      other: anyData.map((d) => (typeof d === "string" ? d : JSON.stringify(d) ?? "")),
      where: fc.constantFrom("telegram", "telegram-wrong-chat", "discord-channel", "discord-thread", "discord-wrong-guild"),
      sender: fc.constantFrom("supervisor", "requester", "stranger", "other-platform-supervisor", "empty"),
      senderIsBot: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      replay: fc.nat({ max: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(click, { minLength: 1, maxLength: 16 }), async (generated) => {
        const records: AuditEntry[] = [];
        const handler = createClickHandler({ broker, chats: CHATS, record: async (e) => void records.push(e), log: quiet });
        const live = [await broker.create(INPUT, 3_600_000), await broker.create(INPUT, 3_600_000)] as const;
        const expired = await pastBroker.create(INPUT, 60_000);
        const dataFor = (t: Target, other: string): string => {
          switch (t) {
            case "approve0":
              return `oc1:a:${live[0].id}`;
            case "deny0":
              return `oc1:d:${live[0].id}`;
            case "approve1":
              return `oc1:a:${live[1].id}`;
            case "deny1":
              return `oc1:d:${live[1].id}`;
            case "approveExpired":
              return `oc1:a:${expired.id}`;
            case "unknownId":
              return "oc1:a:AAAAAAAAAAAAAAAA";
            case "other":
              return other;
          }
        };
        const clicks: ApprovalClick[] = generated.flatMap((g) => {
          const telegram = g.where.startsWith("telegram");
          const senderId =
            g.sender === "supervisor" ? (telegram ? "7" : (DC_SUPERVISORS[0] as string)) : g.sender === "requester" ? REQUESTER : g.sender === "stranger" ? "999" : g.sender === "empty" ? "" : telegram ? (DC_SUPERVISORS[0] as string) : "7";
          const c: ApprovalClick = {
            platform: telegram ? "telegram" : "discord",
            chatId: g.where === "telegram" ? TG_CHAT : g.where === "telegram-wrong-chat" ? "-100999" : g.where === "discord-thread" ? THREAD : CHANNEL,
            ...(telegram ? {} : { guildId: g.where === "discord-wrong-guild" ? "999999999999999999" : GUILD }),
            ...(g.where === "discord-thread" ? { parentChatId: CHANNEL } : {}),
            senderId,
            senderIsBot: g.senderIsBot,
            data: dataFor(g.target, g.other),
          };
          return Array.from({ length: g.replay + 1 }, () => ({ ...c }));
        });
        const replies = await withinDeadline("clicks", () => Promise.all(clicks.map((c) => handler(c))));
        for (const r of replies) assert.ok(typeof r.text === "string" && r.text.length > 0 && r.text.length <= 1_000, JSON.stringify(r).slice(0, 200));

        const accepted = records.filter((r) => r.action === "decision-attempt" && r.accepted === true);
        for (const e of [...live, expired] as Escalation[]) {
          const wins = accepted.filter((r) => r.id === e.id);
          assert.ok(wins.length <= 1, `${wins.length} winning clicks for one escalation`);
          const found = await broker.get(e.id);
          const outcome = found?.outcome;
          if (e === expired) {
            assert.equal(wins.length, 0);
            assert.ok(outcome === undefined || outcome.state === "expired", `expired escalation ${outcome?.state}`);
            continue;
          }
          if (outcome === undefined) {
            assert.equal(wins.length, 0);
            continue;
          }
          // Decided: by exactly the one accepted click, a supervisor of that platform, never the requester approving.
          assert.equal(wins.length, 1);
          assert.ok(outcome.state === "approved" || outcome.state === "denied");
          const supervisors = outcome.by.via === "telegram" ? TG_SUPERVISORS : outcome.by.via === "discord" ? DC_SUPERVISORS : [];
          assert.ok(outcome.by.userId !== undefined && supervisors.includes(outcome.by.userId), `decided by ${outcome.by.via}:${outcome.by.userId}`);
          assert.ok(!(outcome.state === "approved" && outcome.by.via === "telegram" && outcome.by.userId === REQUESTER), "the requester approved their own call");
          const winner = clicks.find((c, i) => c.senderId === outcome.by.userId && c.platform === outcome.by.via && parseButtonData(c.data).ok && /^(APPROVED|DENIED) by /.test((replies[i] as { text: string }).text));
          assert.ok(winner !== undefined && !winner.senderIsBot, "the winning click came from a human supervisor");
        }
        // A click that was not a supervisor's in a supervisor chat never decided anything.
        for (const r of accepted) assert.ok(r.senderId === "7" || r.senderId === REQUESTER || r.senderId === DC_SUPERVISORS[0], `accepted from ${String(r.senderId)}`);
      }),
      params(40, 0xa992),
    );
  });
});
