/**
 * Best-effort facts read from a service's Go source: the port it listens on, whether the binary has
 * a `healthcheck` subcommand, and whether `-X main.version=…` can be applied. Pure functions over
 * tokenized files; nothing here runs the Go toolchain. docs/generators/docker.md lists the rules.
 */
import type { GoToken, TokenizedGo } from './go-tokens';

export interface SourceFile extends TokenizedGo {
  /** Workspace-relative path, for reports. */
  path: string;
}

/** Where a fact was found, e.g. `cmd/api/main.go:31`. */
const at = (file: SourceFile, token: GoToken) => `${file.path}:${token.line}`;

// ---------------------------------------------------------------------------
// Port

export type PortRule = 'listen' | 'env' | 'flag' | 'const' | 'address';

export interface PortCandidate {
  port: number;
  rule: PortRule;
  /** `file:line` of the literal. */
  where: string;
}

/** Which rule wins when several find a port; earlier wins. */
const RULE_ORDER: PortRule[] = ['listen', 'env', 'flag', 'const', 'address'];

/** Calls whose address argument is the port the program listens on. */
const LISTEN_CALLS = new Set(['ListenAndServe', 'ListenAndServeTLS', 'Listen', 'ListenTCP', 'Run', 'RunTLS', 'Start', 'StartTLS']);
/** Struct fields holding a listen address (net/http.Server.Addr and look-alikes). */
const ADDRESS_FIELDS = new Set(['Addr', 'Address', 'ListenAddr', 'ListenAddress', 'HTTPAddr', 'GRPCAddr', 'BindAddr', 'BindAddress']);

function toPort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** `":8080"`, `"0.0.0.0:8080"`, `"[::]:8080"`, `"localhost:8080"` → 8080. */
export function listenAddressPort(value: string, loopbackToo = true): number | undefined {
  const match = /^(|0\.0\.0\.0|\[::\]|::|localhost|127\.0\.0\.1)?:(\d{1,5})$/.exec(value);
  if (!match) return undefined;
  if (!loopbackToo && (match[1] === 'localhost' || match[1] === '127.0.0.1')) return undefined;
  return toPort(match[2]);
}

/** Index of the `(` that opens the call around `index`, or -1. */
function enclosingCallOpen(tokens: GoToken[], index: number, limit = 12): number {
  let depth = 0;
  for (let k = index - 1; k >= 0 && k >= index - limit; k--) {
    const t = tokens[k];
    if (t.kind === 'semi' || (t.kind === 'op' && (t.text === '{' || t.text === '}'))) return -1;
    if (t.kind !== 'op') continue;
    if (t.text === ')' || t.text === ']') depth += 1;
    else if (t.text === '(' || t.text === '[') {
      if (depth === 0) return t.text === '(' ? k : -1;
      depth -= 1;
    }
  }
  return -1;
}

/** Index of the `)` that closes the call opened at `open`, or the token count. */
function callClose(tokens: GoToken[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind !== 'op') continue;
    if (t.text === '(' || t.text === '[' || t.text === '{') depth += 1;
    else if (t.text === ')' || t.text === ']' || t.text === '}') {
      depth -= 1;
      if (depth === 0) return k;
    }
  }
  return tokens.length;
}

/** Words that may stand before "port" in the name of the service's own port (not DB_PORT or REDIS_PORT). */
const OWN_PORT_PREFIXES = ['', 'http', 'https', 'grpc', 'server', 'app', 'listen', 'service', 'api', 'web', 'public'];
const isEnvName = (value: string) => OWN_PORT_PREFIXES.some((prefix) => value === (prefix ? `${prefix.toUpperCase()}_PORT` : 'PORT'));
const isFlagName = (value: string) => OWN_PORT_PREFIXES.some((prefix) => ['-', '_', '.'].some((sep) => value === (prefix ? `${prefix}${sep}port` : 'port')));
/** `DefaultPort`, `defaultHTTPPort`, `httpPort`, `port`; not `dbPort`. */
const isPortConstName = (name: string) => OWN_PORT_PREFIXES.includes(name.toLowerCase().replace(/^default_?/, '').replace(/_?port$/, '')) && /port$/i.test(name);

/** The port of a number or port-like string token, if it is one. */
function portOf(token: GoToken, stringsToo: boolean): number | undefined {
  if (token.kind === 'int') return toPort(token.text);
  if (stringsToo && token.kind === 'string' && token.value !== undefined) return toPort(token.value) ?? listenAddressPort(token.value);
  return undefined;
}

/** Struct tags such as `env:"PORT" envDefault:"8080"` or `envconfig:"PORT" default:"8080"`. */
function structTagPort(value: string): number | undefined {
  const tags = new Map<string, string>();
  for (const match of value.matchAll(/(\w+):"([^"]*)"/g)) tags.set(match[1], match[2]);
  const key = tags.get('env') ?? tags.get('envconfig') ?? tags.get('split_words');
  const name = key?.split(',')[0];
  if (!name || !isEnvName(name.toUpperCase())) return undefined;
  const fallback = tags.get('envDefault') ?? tags.get('default');
  return fallback === undefined ? undefined : toPort(fallback) ?? listenAddressPort(fallback);
}

/** Every port the rules find in one file, in source order. */
function portCandidates(file: SourceFile): PortCandidate[] {
  const found: PortCandidate[] = [];
  const { tokens } = file;
  const add = (port: number | undefined, rule: PortRule, token: GoToken) => {
    if (port !== undefined) found.push({ port, rule, where: at(file, token) });
  };
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    const prev = tokens[k - 1];
    const prev2 = tokens[k - 2];
    if (t.kind === 'string' && t.value !== undefined) {
      if (t.text.startsWith('`')) {
        add(structTagPort(t.value), 'env', t);
        continue;
      }
      const address = listenAddressPort(t.value);
      if (address !== undefined) {
        // http.ListenAndServe(":8080", …), net.Listen("tcp", ":9090"), Addr: ":8080".
        const open = enclosingCallOpen(tokens, k);
        const callee = open > 0 ? tokens[open - 1] : undefined;
        if (callee?.kind === 'ident' && LISTEN_CALLS.has(callee.text)) add(address, 'listen', t);
        else if (prev?.text === ':' && prev2?.kind === 'ident' && ADDRESS_FIELDS.has(prev2.text)) add(listenAddressPort(t.value, false), 'listen', t);
        else add(listenAddressPort(t.value, false), 'address', t);
        continue;
      }
      if (isEnvName(t.value)) {
        // getenv("PORT") … "8080" nearby, or envOr("PORT", 8080) in one call.
        const open = enclosingCallOpen(tokens, k, 3);
        const close = open >= 0 ? callClose(tokens, open) : k;
        let port: GoToken | undefined;
        for (let j = k + 1; j < close && !port; j++) if (portOf(tokens[j], true) !== undefined) port = tokens[j];
        for (let j = close + 1; j < Math.min(tokens.length, close + 30) && !port; j++) {
          const next = tokens[j];
          if (next.kind === 'ident' && next.text === 'func') break;
          if (next.kind === 'string' && portOf(next, true) !== undefined) port = next;
        }
        if (port) add(portOf(port, true), 'env', port);
        continue;
      }
      if (isFlagName(t.value)) {
        // flag.Int("port", 8080, …), flag.StringVar(&p, "port", "8080", …).
        const open = enclosingCallOpen(tokens, k, 6);
        if (open < 0) continue;
        const close = callClose(tokens, open);
        for (let j = k + 1; j < close; j++) {
          const port = portOf(tokens[j], true);
          if (port !== undefined) {
            add(port, 'flag', tokens[j]);
            break;
          }
        }
      }
      continue;
    }
    // const DefaultPort = 8080 / defaultPort = 8080 in a const or var block.
    if (t.kind === 'int' && prev?.text === '=' && prev2?.kind === 'ident' && isPortConstName(prev2.text)) {
      const before = tokens[k - 3];
      if (!before || before.kind === 'semi' || before.text === '(' || before.text === 'const' || before.text === 'var') add(toPort(t.text), 'const', t);
    }
  }
  return found;
}

export interface PortDetection {
  /** The port chosen by the rules, if any. */
  port?: number;
  /** Why: the winning candidate. */
  chosen?: PortCandidate;
  /** Every distinct port found, best first. */
  candidates: PortCandidate[];
}

/**
 * The port a service listens on, from files in priority order (the main package first). The best
 * rule wins (`listen` > `env` > `flag` > `const` > `address`); within a rule, the earliest file and line.
 */
export function detectPort(files: SourceFile[]): PortDetection {
  const all = files.flatMap((file, fileIndex) => portCandidates(file).map((candidate, order) => ({ candidate, fileIndex, order })));
  all.sort(
    (a, b) => RULE_ORDER.indexOf(a.candidate.rule) - RULE_ORDER.indexOf(b.candidate.rule) || a.fileIndex - b.fileIndex || a.order - b.order,
  );
  const seen = new Set<number>();
  const candidates: PortCandidate[] = [];
  for (const { candidate } of all) {
    if (seen.has(candidate.port)) continue;
    seen.add(candidate.port);
    candidates.push(candidate);
  }
  return { port: candidates[0]?.port, chosen: candidates[0], candidates };
}

// ---------------------------------------------------------------------------
// healthcheck subcommand

/** Identifiers that hold command-line arguments: os.Args, flag.Args(), flag.Arg(0), an `args` parameter. */
const ARG_WORDS = /^(?:Args|Arg|args|argv|arguments|osArgs)$/;

function mentionsArgs(tokens: GoToken[], argIdents: Set<string>): boolean {
  return tokens.some((t) => t.kind === 'ident' && (ARG_WORDS.test(t.text) || argIdents.has(t.text)));
}

const BOUNDARY_OPS = new Set(['{', '}', '&&', '||', ',', ':', ':=', '=']);
const BOUNDARY_WORDS = new Set(['if', 'case', 'switch', 'return', 'for', 'else']);

/** The operand of a comparison next to `index`, walking in `step` direction up to a boundary. */
function operand(tokens: GoToken[], index: number, step: 1 | -1): GoToken[] {
  const out: GoToken[] = [];
  let depth = 0;
  for (let k = index; k >= 0 && k < tokens.length; k += step) {
    const t = tokens[k];
    if (t.kind === 'semi') break;
    if (t.kind === 'ident' && BOUNDARY_WORDS.has(t.text)) break;
    if (t.kind === 'op') {
      const opens = step === 1 ? ['(', '['] : [')', ']'];
      const closes = step === 1 ? [')', ']'] : ['(', '['];
      if (opens.includes(t.text)) depth += 1;
      else if (closes.includes(t.text)) {
        if (depth === 0) break;
        depth -= 1;
      } else if (depth === 0 && (BOUNDARY_OPS.has(t.text) || t.text === '==' || t.text === '!=')) break;
    }
    out.push(t);
  }
  return out;
}

/** Identifiers assigned from the command line: `cmd := os.Args[1]`, `command = args[0]`. */
function argumentIdentifiers(tokens: GoToken[]): Set<string> {
  const names = new Set<string>();
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind !== 'op' || (t.text !== ':=' && t.text !== '=')) continue;
    const lhs: string[] = [];
    for (let j = k - 1; j >= 0; j--) {
      const left = tokens[j];
      if (left.kind === 'ident') lhs.push(left.text);
      else if (left.text !== ',') break;
    }
    const rhs: GoToken[] = [];
    for (let j = k + 1; j < tokens.length && tokens[j].kind !== 'semi' && tokens[j].text !== '{'; j++) rhs.push(tokens[j]);
    if (mentionsArgs(rhs, names)) for (const name of lhs) names.add(name);
  }
  return names;
}

export interface HealthcheckDetection {
  found: boolean;
  /** `file:line` of the literal that shows it. */
  where?: string;
}

/**
 * Whether the binary answers `<binary> healthcheck`: the string literal "healthcheck" compared with
 * the command line (`os.Args[1] == "healthcheck"`, `case "healthcheck":` in a switch on an argument,
 * `flag.Arg(0) == "healthcheck"`), or a cobra command with `Use: "healthcheck"`. Only the files given
 * (the main package's) are read.
 */
export function detectHealthcheckCommand(files: SourceFile[]): HealthcheckDetection {
  for (const file of files) {
    const { tokens } = file;
    const argIdents = argumentIdentifiers(tokens);
    const switches: Array<GoToken[] | undefined> = [];
    for (let k = 0; k < tokens.length; k++) {
      const t = tokens[k];
      if (t.kind === 'op' && t.text === '{') {
        // `switch <tag> {` records its tag for the case labels inside it.
        let j = k - 1;
        let depth = 0;
        while (j >= 0) {
          const back = tokens[j];
          if (back.kind === 'op' && (back.text === ')' || back.text === ']')) depth += 1;
          else if (back.kind === 'op' && (back.text === '(' || back.text === '[')) depth -= 1;
          else if (depth === 0 && (back.kind === 'semi' || (back.kind === 'op' && (back.text === '{' || back.text === '}')))) break;
          if (depth === 0 && back.kind === 'ident' && back.text === 'switch') break;
          j -= 1;
        }
        const isSwitch = j >= 0 && tokens[j].kind === 'ident' && tokens[j].text === 'switch';
        if (isSwitch) {
          let tagStart = j + 1;
          for (let m = j + 1; m < k; m++) if (tokens[m].kind === 'semi') tagStart = m + 1;
          switches.push(tokens.slice(tagStart, k));
        } else {
          switches.push(undefined);
        }
        continue;
      }
      if (t.kind === 'op' && t.text === '}') {
        switches.pop();
        continue;
      }
      if (t.kind !== 'string' || t.value === undefined) continue;
      if (t.value === 'healthcheck') {
        const prev = tokens[k - 1];
        const next = tokens[k + 1];
        if (prev?.kind === 'op' && (prev.text === '==' || prev.text === '!=') && mentionsArgs(operand(tokens, k - 2, -1), argIdents)) {
          return { found: true, where: at(file, t) };
        }
        if (next?.kind === 'op' && (next.text === '==' || next.text === '!=') && mentionsArgs(operand(tokens, k + 2, 1), argIdents)) {
          return { found: true, where: at(file, t) };
        }
        // case "healthcheck": or case "", "healthcheck": inside `switch <argument> {`.
        let j = k - 1;
        while (j >= 0 && (tokens[j].kind === 'string' || tokens[j].text === ',')) j -= 1;
        const tag = switches[switches.length - 1];
        if (j >= 0 && tokens[j].kind === 'ident' && tokens[j].text === 'case' && tag && tag.length > 0 && mentionsArgs(tag, argIdents)) {
          return { found: true, where: at(file, t) };
        }
      }
      // cobra: &cobra.Command{Use: "healthcheck", …}
      if (/^healthcheck(?:\s|$)/.test(t.value) && tokens[k - 1]?.text === ':' && tokens[k - 2]?.text === 'Use') {
        return { found: true, where: at(file, t) };
      }
    }
  }
  return { found: false };
}

// ---------------------------------------------------------------------------
// main.version

/**
 * A package-level `version` variable of the main package that is not a string: the linker then
 * rejects `-X main.version=…` ("cannot set with -X: not a var of type string"). Returns where.
 */
export function findNonStringVersionVar(files: SourceFile[]): string | undefined {
  for (const file of files) {
    const { tokens } = file;
    let depth = 0;
    let inVarBlock = false;
    for (let k = 0; k < tokens.length; k++) {
      const t = tokens[k];
      if (t.kind === 'op' && (t.text === '{' || t.text === '(' || t.text === '[')) {
        if (t.text === '(' && depth === 0 && tokens[k - 1]?.text === 'var') inVarBlock = true;
        depth += 1;
        continue;
      }
      if (t.kind === 'op' && (t.text === '}' || t.text === ')' || t.text === ']')) {
        depth -= 1;
        if (depth === 0) inVarBlock = false;
        continue;
      }
      if (t.kind !== 'ident' || t.text !== 'version') continue;
      const declared = (depth === 0 && tokens[k - 1]?.text === 'var') || (inVarBlock && depth === 1 && (tokens[k - 1]?.kind === 'semi' || tokens[k - 1]?.text === '('));
      if (!declared) continue;
      const next = tokens[k + 1];
      if (next?.kind === 'ident') {
        if (next.text !== 'string') return at(file, t);
      } else if (next?.text === '=') {
        const value = tokens[k + 2];
        if (value && (value.kind === 'int' || value.kind === 'float' || value.kind === 'char' || (value.kind === 'ident' && (value.text === 'true' || value.text === 'false')))) {
          return at(file, t);
        }
      } else if (next?.text === '[' || next?.text === '*' || next?.text === 'map') {
        return at(file, t);
      }
    }
  }
  return undefined;
}
