// Checkpoint signing keys: an Ed25519 pair, the private half mode 600 outside the agent's reach.
import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";

export type KeygenResult = { privateKeyPath: string; publicKeyPath: string; keyId: string };

/** The short id of a public key: the first 16 hex of sha256 over its DER. */
export function keyIdOf(publicKeyPem: string): string {
  const der = createPublicKey({ key: publicKeyPem, format: "pem" }).export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("hex").slice(0, 16);
}

export function generateSigningKey(privateKeyPath: string, force = false): KeygenResult {
  const publicKeyPath = `${privateKeyPath}.pub`;
  if (!force && (existsSync(privateKeyPath) || existsSync(publicKeyPath))) {
    throw new Error(`${privateKeyPath} already exists; pass --force to replace it (old checkpoints then verify only with the old public key)`);
  }
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  writeFileSync(privateKeyPath, privatePem, { mode: 0o600, flag: force ? "w" : "wx" });
  writeFileSync(publicKeyPath, publicPem, { mode: 0o644, flag: force ? "w" : "wx" });
  return { privateKeyPath, publicKeyPath, keyId: keyIdOf(publicPem) };
}
