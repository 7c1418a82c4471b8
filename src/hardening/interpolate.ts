// Compose-style variable interpolation (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR:+alt}, $VAR, $$). Pure.

export type Vars = Readonly<Record<string, string | undefined>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Interpolate one string the way docker compose does; unset variables without a default become "". */
export function interpolate(text: string, vars: Vars): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (next === "{") {
      const end = matchingBrace(text, i + 1);
      if (end < 0) {
        out += text.slice(i);
        break;
      }
      out += expand(text.slice(i + 2, end), vars);
      i = end + 1;
      continue;
    }
    const m = NAME.exec(text.slice(i + 1));
    if (m) {
      out += vars[m[0]] ?? "";
      i += 1 + m[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    if (text[j] === "{") depth++;
    else if (text[j] === "}" && --depth === 0) return j;
  }
  return -1;
}

function expand(inner: string, vars: Vars): string {
  const m = NAME.exec(inner);
  if (!m) return "";
  const name = m[0];
  const rest = inner.slice(name.length);
  const value = vars[name];
  const op = /^(:?[-?+])/.exec(rest)?.[1];
  if (op === undefined) return value ?? "";
  const arg = interpolate(rest.slice(op.length), vars);
  const unsetOrEmpty = value === undefined || (op.startsWith(":") && value === "");
  switch (op) {
    case ":-":
    case "-":
      return unsetOrEmpty ? arg : (value as string);
    case ":?":
    case "?":
      return unsetOrEmpty ? "" : (value as string);
    case ":+":
    case "+":
      return unsetOrEmpty ? "" : arg;
    default:
      return value ?? "";
  }
}

/** Interpolate every string inside a parsed value (keys stay as written, as in compose). */
export function interpolateDeep(value: unknown, vars: Vars): unknown {
  if (typeof value === "string") return interpolate(value, vars);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, vars));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateDeep(v, vars);
    return out;
  }
  return value;
}
