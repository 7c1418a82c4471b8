// Facts the argument analysers hand to the policy engine.

export type PathAccess = "read" | "write" | "delete" | "exec" | "unknown";

/** One path a tool call touches: as written, lexically resolved (absolute), and real (symlinks resolved by the gate). */
export type PathRef = {
  raw: string;
  /** Absolute, `..` kept (resolved by the gate after symlinks). */
  absolute: string;
  lexical: string;
  real?: string;
  access: PathAccess;
  /** Recursive or wildcard deletion/overwrite (rm -r, find -delete, a glob). */
  broad: boolean;
  /** Only some entries below the path are affected (find with -name/-path/-mtime… filters). */
  selective?: boolean;
  /** Where it came from, e.g. "read.path" or "exec:rm". */
  via: string;
};

export type FindingAction = "block" | "escalate";

/** A pattern hit, independent of channel policy; `evidence` is the normalised command that triggered it. */
export type Finding = { ruleId: string; action: FindingAction; reason: string; evidence?: string };

export type ShellCommand = { name: string; args: string[]; text: string };

/** Where relative paths and `~` point for this call. */
export type PathEnv = { home: string; cwd: string };
