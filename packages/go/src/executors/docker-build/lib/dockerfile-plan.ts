/**
 * Reads a service's Dockerfile for `mode: prebuilt`: which package the build stage compiles, and what
 * the final stage puts around the binary (base image, files copied, user, ports, env, labels,
 * healthcheck, entrypoint). The prebuilt image is then assembled from exactly that, so both modes
 * give the same runtime image, and the Dockerfile stays the one place these settings live.
 *
 * Only the shape the generators write is understood: a final stage that copies from the build stage
 * and sets metadata. A final stage that runs commands or copies from the context cannot be
 * reproduced without the builder; that is reported, naming the instruction.
 */
import type { HealthcheckConfig, RuntimeSettings } from '../../../docker/image-archive';

export interface Instruction {
  keyword: string;
  args: string;
  /** 1-based line where the instruction starts. */
  line: number;
}

export interface Stage {
  from: string;
  name?: string;
  /** 1-based line of the FROM. */
  line: number;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
}

/** Instructions, with continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.split(/\r?\n/);
  const instructions: Instruction[] = [];
  let current: { text: string; line: number } | undefined;
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    if (!current && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (current && trimmed.startsWith('#')) return; // comments inside a continued instruction
    const continued = /\\\s*$/.test(raw);
    const part = continued ? raw.replace(/\\\s*$/, '') : raw;
    if (current) current.text += ` ${part.trim()}`;
    else current = { text: part.trim(), line: index + 1 };
    if (!continued) {
      const match = /^(\S+)\s*(.*)$/.exec(current.text);
      if (match) instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: current.line });
      current = undefined;
    }
  });
  if (current) {
    const match = /^(\S+)\s*(.*)$/.exec(current.text);
    if (match) instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: current.line });
  }

  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
      const as = words.findIndex((word) => word.toUpperCase() === 'AS');
      stages.push({ from: words[0] ?? '', name: as > 0 ? words[as + 1] : undefined, line: instruction.line, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [name, value] = splitAssignment(instruction.args);
        globalArgs.set(name, value);
      }
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

function splitAssignment(text: string): [string, string | undefined] {
  const equals = text.indexOf('=');
  if (equals < 0) return [text.trim(), undefined];
  return [text.slice(0, equals).trim(), unquote(text.slice(equals + 1).trim())];
}

function unquote(text: string): string {
  if (text.length >= 2 && ((text.startsWith('"') && text.endsWith('"')) || (text.startsWith("'") && text.endsWith("'")))) {
    return text.slice(1, -1).replace(/\\(["\\])/g, '$1');
  }
  return text;
}

/** Shell-like words: whitespace-separated, with '…' and "…" quoting (quotes removed). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && (text[i + 1] === '"' || text[i + 1] === '\\')) word += text[++i];
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** `${NAME}` and `$NAME` replaced from `values`; unknown names become empty, as in Docker. */
export function substitute(text: string, values: Map<string, string | undefined>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => values.get((braced ?? bare) as string) ?? '');
}

/** A Go-style duration (`5s`, `1m30s`, `300ms`) in nanoseconds, as Docker stores HEALTHCHECK times. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  let rest = text.trim();
  if (rest === '' || rest === '0') return 0;
  while (rest !== '') {
    const match = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!match) throw new Error(`"${text}" is not a duration like 5s or 1m30s.`);
    total += Number(match[1]) * units[match[2]];
    rest = rest.slice(match[0].length);
  }
  return Math.round(total);
}

/** JSON form (`["/orders", "healthcheck"]`) or shell form (run by /bin/sh -c). */
function commandOf(args: string): { json: string[] } | { shell: string } {
  const trimmed = args.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return { json: parsed as string[] };
    } catch {
      // Docker treats text that is not a JSON string array as shell form.
    }
  }
  return { shell: trimmed };
}

/** The go build of the build stage. */
export interface GoBuildStep {
  /** Main package, relative to the build context (`./cmd/orders`, `.`). */
  packagePath: string;
  /** Where the build stage writes the binary (`/out/orders`). */
  output: string;
  /** Whether the Dockerfile stamps `-X main.version=…` (the generators' version modes `command` and `variable`). */
  stampsVersion: boolean;
  /** `-tags` given to go build, if any. */
  tags?: string;
}

export interface PrebuiltPlan {
  /** The final stage's base (`scratch`, `gcr.io/distroless/static-debian12:nonroot`, …), with build args applied. */
  runtimeImage: string;
  goBuild: GoBuildStep;
  /** Where the binary goes in the image (`/orders`). */
  binaryTarget: string;
  /** Whether the final stage copies the build stage's runtime files (passwd, group, CA bundle, /tmp) to `/`. */
  copiesRootfs: boolean;
  runtime: RuntimeSettings;
  /** The COPY instructions as written, for the image history. */
  copyInstructions: { rootfs?: string; binary: string };
}

const METADATA_INSTRUCTIONS = new Set(['ARG', 'ENV', 'USER', 'EXPOSE', 'LABEL', 'HEALTHCHECK', 'ENTRYPOINT', 'CMD', 'WORKDIR', 'COPY']);

function findGoBuild(stages: Stage[]): GoBuildStep {
  for (const stage of stages.slice(0, -1)) {
    for (const instruction of stage.instructions) {
      if (instruction.keyword !== 'RUN') continue;
      const words = splitWords(instruction.args);
      const go = words.findIndex((word, index) => word === 'go' && words[index + 1] === 'build');
      if (go < 0) continue;
      const flags = words.slice(go + 2);
      let output: string | undefined;
      let tags: string | undefined;
      let ldflags = '';
      const positional: string[] = [];
      for (let i = 0; i < flags.length; i++) {
        const flag = flags[i];
        if (flag === '&&' || flag === ';' || flag === '||') break;
        const [name, inline] = flag.startsWith('-') ? [flag.replace(/^--?/, '').split('=')[0], flag.includes('=') ? flag.slice(flag.indexOf('=') + 1) : undefined] : [undefined, undefined];
        if (name === undefined) {
          positional.push(flag);
          continue;
        }
        const takesValue = ['o', 'ldflags', 'tags', 'gcflags', 'asmflags', 'mod', 'p', 'pgo', 'buildmode', 'overlay', 'modfile', 'toolexec', 'installsuffix', 'compiler', 'gccgoflags', 'C'].includes(name);
        const value = takesValue && inline === undefined ? flags[++i] : inline;
        if (name === 'o') output = value;
        else if (name === 'ldflags') ldflags = value ?? '';
        else if (name === 'tags') tags = value;
      }
      if (!output) throw new Error(`Dockerfile line ${instruction.line}: the go build has no -o; prebuilt mode needs to know where the binary goes.`);
      return { output, packagePath: positional[0] ?? '.', stampsVersion: /-X\s*=?\s*main\.version=/.test(ldflags), ...(tags ? { tags } : {}) };
    }
  }
  throw new Error('The Dockerfile has no `RUN … go build … -o <binary> <package>` in a build stage; prebuilt mode reads the main package from it. Regenerate it with "nx g @org/go:docker" or use mode "multistage".');
}

/**
 * What `mode: prebuilt` builds and assembles, read from the Dockerfile and the build args docker-build
 * would pass. Throws, naming the line, for what cannot be reproduced without running the builder.
 */
export function prebuiltPlan(dockerfile: string, buildArgs: Record<string, string>): PrebuiltPlan {
  const parsed = parseDockerfile(dockerfile);
  if (parsed.stages.length < 2) {
    throw new Error('The Dockerfile has a single stage; prebuilt mode needs the multi-stage shape the generators write (a build stage, then a runtime stage). Use mode "multistage".');
  }
  const args = new Map<string, string | undefined>();
  for (const [name, value] of parsed.globalArgs) args.set(name, buildArgs[name] ?? value);
  const goBuild = findGoBuild(parsed.stages);
  const final = parsed.stages[parsed.stages.length - 1];
  const runtimeImage = substitute(final.from, args);
  if (!runtimeImage) throw new Error(`The final stage's base "${final.from}" is empty with these build args.`);
  if (parsed.stages.some((stage) => stage !== final && stage.name !== undefined && stage.name === runtimeImage)) {
    throw new Error(`The final stage is based on another stage (${runtimeImage}); prebuilt mode can only assemble on an image. Use mode "multistage".`);
  }

  // Within the stage: its ARGs (a bare ARG takes the global default), then ENV, for substitution.
  const values = new Map<string, string | undefined>();
  const runtime: RuntimeSettings = { env: [], exposedPorts: [], labels: {} };
  let binaryTarget: string | undefined;
  let copiesRootfs = false;
  const copyInstructions: { rootfs?: string; binary?: string } = {};
  const builderNames = new Set(parsed.stages.slice(0, -1).flatMap((stage, index) => [String(index), ...(stage.name ? [stage.name] : [])]));

  for (const instruction of final.instructions) {
    const where = `Dockerfile line ${instruction.line} (${instruction.keyword} ${instruction.args.slice(0, 60)})`;
    if (!METADATA_INSTRUCTIONS.has(instruction.keyword)) {
      throw new Error(`${where}: prebuilt mode assembles the image without running the Dockerfile, so it cannot ${instruction.keyword} in the final stage. Move it to the build stage or use mode "multistage".`);
    }
    const text = substitute(instruction.args, values);
    switch (instruction.keyword) {
      case 'ARG': {
        const [name, value] = splitAssignment(instruction.args);
        values.set(name, buildArgs[name] ?? value ?? (parsed.globalArgs.has(name) ? args.get(name) : undefined));
        break;
      }
      case 'ENV': {
        const words = splitWords(text);
        const pairs = words.length > 0 && !words[0].includes('=') ? [[words[0], words.slice(1).join(' ')]] : words.map((word) => splitAssignment(word));
        for (const [name, value] of pairs) {
          values.set(name as string, value ?? '');
          runtime.env.push(`${name}=${value ?? ''}`);
        }
        break;
      }
      case 'USER':
        runtime.user = text.trim();
        break;
      case 'WORKDIR':
        runtime.workingDir = text.trim();
        break;
      case 'EXPOSE':
        for (const port of text.split(/\s+/).filter(Boolean)) runtime.exposedPorts.push(port.includes('/') ? port.toLowerCase() : `${port}/tcp`);
        break;
      case 'LABEL':
        for (const word of splitWords(text)) {
          const [name, value] = splitAssignment(word);
          runtime.labels[name] = value ?? '';
        }
        break;
      case 'ENTRYPOINT':
      case 'CMD': {
        const command = commandOf(text);
        const argv = 'json' in command ? command.json : ['/bin/sh', '-c', command.shell];
        if (instruction.keyword === 'ENTRYPOINT') runtime.entrypoint = argv;
        else runtime.cmd = argv;
        break;
      }
      case 'HEALTHCHECK':
        runtime.healthcheck = parseHealthcheck(text);
        break;
      case 'COPY': {
        const words = splitWords(text);
        const from = words.find((word) => word.startsWith('--from='))?.slice('--from='.length);
        const paths = words.filter((word) => !word.startsWith('--'));
        if (!from || !builderNames.has(from) || paths.length !== 2) {
          throw new Error(`${where}: prebuilt mode only reproduces COPY --from=<build stage> <binary or runtime files> <destination>. Use mode "multistage" for other copies.`);
        }
        const [source, target] = paths;
        if (source.replace(/\/+$/, '') === goBuild.output) {
          binaryTarget = target.endsWith('/') ? `${target}${goBuild.output.split('/').pop()}` : target;
          copyInstructions.binary = `COPY ${instruction.args}`;
        } else if (/\/rootfs\/?$/.test(source) && target === '/') {
          copiesRootfs = true;
          copyInstructions.rootfs = `COPY ${instruction.args}`;
        } else {
          throw new Error(`${where}: prebuilt mode knows the binary (${goBuild.output}) and the runtime files folder (…/rootfs/ → /), not ${source}. Use mode "multistage".`);
        }
        break;
      }
    }
  }
  if (!binaryTarget || !copyInstructions.binary) {
    throw new Error(`The final stage does not copy the binary ${goBuild.output} from the build stage; prebuilt mode cannot tell where it goes.`);
  }
  return { runtimeImage, goBuild, binaryTarget, copiesRootfs, runtime, copyInstructions: { ...copyInstructions, binary: copyInstructions.binary } };
}

function parseHealthcheck(text: string): HealthcheckConfig {
  const words = text.trim();
  if (/^NONE$/i.test(words)) return { Test: ['NONE'] };
  const config: HealthcheckConfig = { Test: [] };
  let rest = words;
  for (;;) {
    const flag = /^--(interval|timeout|start-period|start-interval|retries)=(\S+)\s*/.exec(rest);
    if (!flag) break;
    rest = rest.slice(flag[0].length);
    if (flag[1] === 'interval') config.Interval = parseDuration(flag[2]);
    else if (flag[1] === 'timeout') config.Timeout = parseDuration(flag[2]);
    else if (flag[1] === 'start-period') config.StartPeriod = parseDuration(flag[2]);
    else if (flag[1] === 'retries') config.Retries = Number(flag[2]);
  }
  const cmd = /^CMD\s+([\s\S]*)$/i.exec(rest);
  if (!cmd) throw new Error(`HEALTHCHECK "${text}" has no CMD.`);
  const command = commandOf(cmd[1]);
  config.Test = 'json' in command ? ['CMD', ...command.json] : ['CMD-SHELL', command.shell];
  return config;
}
