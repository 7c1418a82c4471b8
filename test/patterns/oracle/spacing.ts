// Spacing variants (blanks, tabs, line continuations, operators between words) of a few commands: analyseShell of a reference copy (AB_REF) and of this tree must agree exactly.
const { analyseShell: ref } = (await import(process.env.AB_REF as string)) as typeof import("../../../src/patterns/shell.ts");
import { analyseShell as now } from "../../../src/patterns/shell.ts";
const base = ["ls -la", "rm -rf a b", "git status && git diff --stat", "echo a | sh", "find . -name x -delete", "cat a b c", "x(y z", "a b\\\nc", "sudo rm -rf /", "env A=1 ls", "ls -la 2>/dev/null x", "A=1 ls x", "ls a=b c", "f() { ls a; }; f b", "sh -c 'ls  a'", "ls \\a b", "ls a\\ b"];
const seps = [" ", "  ", "\t", " \t", "\\\n", " \\\n ", ";", "\n", "|", "&&", "(", ")", "<", ">"];
let n = 0, bad = 0;
const env = { home: "/home/dev", cwd: "/w" };
for (const b of base) {
  const variants = new Set<string>([b]);
  for (const s of seps) variants.add(b.replaceAll(" ", s));
  for (let i = 0; i < b.length; i++) if (b[i] === " ") for (const s of seps) variants.add(b.slice(0, i) + s + b.slice(i + 1));
  for (const v of variants) {
    n++;
    const x = JSON.stringify(ref(v, env)), y = JSON.stringify(now(v, env));
    if (x !== y) { bad++; console.log("DIFF", JSON.stringify(v)); }
  }
}
console.log(`${n} spacing variants, ${bad} differences`);
