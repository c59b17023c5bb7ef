/**
 * Differential tests: the fast path (parsePlainYaml) against `yaml` itself (parseWithYaml), on the
 * podinfo fixtures, the benchmark's manifests, tricky scalars in every position, generated
 * documents and mutations of them. The fast path must either give exactly what `yaml` gives —
 * same values, same types, same key order — or decline (undefined); it may never accept a file
 * `yaml` rejects.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseWithYaml, parseYamlDocuments } from './parse-manifests.js';
import { parsePlainYaml } from './plain-yaml.js';
import { PLAIN_TAG_TESTS } from './yaml-schema.js';

/** An order- and type-exact rendering of a parsed value (NaN, -0, Infinity, prototypes included). */
function dump(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(dump).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    if (Object.getPrototypeOf(v) !== Object.prototype) return `<${(v as object).constructor?.name ?? 'null-proto'}>`;
    return `{${Object.keys(v)
      .map((k) => `${JSON.stringify(k)}:${dump((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  if (typeof v === 'number') return Object.is(v, -0) ? 'number:-0' : `number:${String(v)}`;
  return `${typeof v}:${JSON.stringify(v)}`;
}

/** What `yaml` makes of the text: its documents, or the error it reports. */
function viaYaml(text: string): { docs?: string; error?: string } {
  try {
    return { docs: dump(parseWithYaml('t.yaml', text)) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Asserts the fast path agrees with `yaml`; returns whether it took the file. */
function agrees(text: string): boolean {
  const fast = parsePlainYaml(text, 1000);
  if (fast === undefined) return false;
  const slow = viaYaml(text);
  expect(slow.error, `yaml rejects what the fast path took:\n${text}`).toBeUndefined();
  expect(dump(fast), text).toBe(slow.docs);
  return true;
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/podinfo-deploy');
function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(name) ? [p] : [];
  });
}

const benchDocs = [
  'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm-0, namespace: bench-a-0 }\ndata: { key: "v1", other: "x" }\n',
  'apiVersion: v1\nkind: Secret\nmetadata: { name: secret-0, namespace: bench-a-0 }\ndata: { password: cHctMA== }\n',
  'apiVersion: v1\nkind: Service\nmetadata: { name: svc-0, namespace: bench-a-0 }\nspec: { selector: { app: app-0 }, ports: [{ port: 80, targetPort: 8080 }] }\n',
  'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: app-0, namespace: bench-a-0 }\nspec:\n  replicas: 2\n  selector: { matchLabels: { app: app-0 } }\n  template:\n    metadata: { labels: { app: app-0 } }\n    spec: { containers: [{ name: app, image: "nginx:1.27" }] }\n',
];

/** Scalars whose meaning differs between YAML versions, schemas and styles. */
const TRICKY = [
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Y',
  'N',
  'Yes',
  'NO',
  'On',
  'OFF',
  'True',
  'FALSE',
  'true',
  'false',
  '~',
  'null',
  'Null',
  'NULL',
  '0755',
  '0o755',
  '08',
  '0x1F',
  '0b101',
  '1_000',
  '0',
  '00',
  '-0',
  '+1',
  '-1',
  '1e3',
  '1E3',
  '-1e-3',
  '1.5e+10',
  '.5',
  '1.',
  '.',
  '+.inf',
  '-.Inf',
  '.INF',
  '.nan',
  '.NaN',
  '123456789012345678901234567890',
  '12:30:00',
  '190:20:30.15',
  '2001-12-14t21:59:43.10-05:00',
  '2024-01-01',
  '6.14.1',
  '0.1.2',
  '1__0',
  '"quoted"',
  "'single'",
  "'it''s'",
  '"a \\"b\\" \\\\ \\n\\t \\u00e9 \\x41 \\U0001F600 \\/ \\_"',
  '"#34577c"',
  '"\\q"',
  '""',
  "''",
  '"yes"',
  "'0755'",
  'http://x:80/y',
  'localhost:9898/healthz',
  'nginx:1.27',
  'a,b',
  'a#b',
  'a #b',
  'foo bar',
  'foo  bar',
  '-foo',
  '--port=1',
  '-.5',
  '=',
  'é€😀',
  '<<',
  '@x',
  '`x',
  '%x',
  '&a x',
  '*a',
  '!!str 1',
  '!tag x',
  '|',
  '>',
  '|-',
  '? x',
  ': x',
  '- x',
  '-',
  'a: b',
  'a:',
  'a]',
  'a}',
  'a[0]',
  '[a, b]',
  '{a: b}',
  '[]',
  '{}',
  '[a, [b, c]]',
  '{a: [1, 2], b: {c: d}}',
  '[a: b]',
  '{a}',
  '{a: }',
  '[a,]',
  '[a, , b]',
  '{"a":1}',
  '{"a": 1}',
  "{'a': yes}",
  '[a, b',
  '{a: b',
  'a # comment',
  '"a" # comment',
  '"a"# comment',
  '[a] # c',
  '[a]x',
  '"a" b',
];

const KEYS = [
  'name',
  'app.kubernetes.io/name',
  'PODINFO_UI_COLOR',
  'config.yaml',
  '"quoted key"',
  "'single key'",
  'yes',
  'on',
  '1',
  'null',
  '<<',
  'a b',
  '-x',
  '__proto__',
  'constructor',
  '"__proto__"',
  'toString',
  '"1"',
  '2',
  '"a:b"',
];

describe('parsePlainYaml against yaml', () => {
  it('takes every podinfo fixture and gives what yaml gives', () => {
    const files = yamlFiles(FIXTURES);
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) expect(agrees(readFileSync(f, 'utf8')), f).toBe(true);
  });

  it("takes the benchmark's flow-style manifests, one or many per file", () => {
    for (const d of benchDocs) expect(agrees(d)).toBe(true);
    expect(agrees(benchDocs.join('---\n'))).toBe(true);
    expect(agrees(`---\n${benchDocs.join('--- # next\n')}---\n`)).toBe(true);
  });

  it('agrees on tricky scalars as block values, sequence items, flow values and keys', () => {
    let taken = 0;
    for (const s of TRICKY) {
      const texts = [
        `key: ${s}\n`,
        `- ${s}\n`,
        `a:\n  - ${s}\n  - x\n`,
        `m: { k: ${s} }\n`,
        `m: [${s}, z]\n`,
        `${s}: v\n`,
        `- k: ${s}\n  j: 2\n`,
        `key: ${s}\nnext: 1\n`,
      ];
      for (const t of texts) if (agrees(t)) taken++;
    }
    expect(taken).toBeGreaterThan(TRICKY.length * 3);
  });

  it('resolves YAML 1.1 scalars as Kubernetes does (and as yaml is configured)', () => {
    const [doc] =
      parsePlainYaml(
        'a: yes\nb: off\nc: 0755\nd: 1e3\ne: .inf\nf: ~\ng: 12:30:00\nh: 2024-01-01\ni: "0755"\nj: 0x1F\nk: 1_000\n',
        1000,
      ) ?? [];
    expect(doc).toStrictEqual({
      a: true,
      b: false,
      c: 493,
      d: 1000,
      e: Infinity,
      f: null,
      g: '12:30:00',
      h: '2024-01-01',
      i: '0755',
      j: 31,
      k: 1000,
    });
  });

  it('agrees on scalars starting with every printable ASCII character (the shortcut for plain strings)', () => {
    let taken = 0;
    for (let c = 0x20; c < 0x7f; c++) {
      const ch = String.fromCharCode(c);
      for (const rest of ['', '1', '0', 'e3', 'x', 'nf', 'ull', 'es', 'rue', 'ff', '.5', '_1'])
        if (agrees(`key: ${ch}${rest}\n`)) taken++;
    }
    expect(taken).toBeGreaterThan(600);
  });

  it("pins yaml's plain-scalar tests, which the plain-string shortcut was derived from", () => {
    expect(PLAIN_TAG_TESTS).toEqual([
      '/^(?:~|[Nn]ull|NULL)?$/',
      '/^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/',
      '/^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/',
      '/^[-+]?0b[0-1_]+$/',
      '/^[-+]?0[0-7_]+$/',
      '/^[-+]?[0-9][0-9_]*$/',
      '/^[-+]?0x[0-9a-fA-F_]+$/',
      '/^(?:[-+]?\\.(?:inf|Inf|INF)|\\.nan|\\.NaN|\\.NAN)$/',
      '/^[-+]?(?:[0-9][0-9_]*)?(?:\\.[0-9_]*)?[eE][-+]?[0-9]+$/',
      '/^[-+]?(?:[0-9][0-9_]*\\.[0-9_]*|\\.[0-9_]*[0-9][0-9_]*)$/',
      '/^<<$/',
    ]);
  });

  it('reads `.`, `-.` and `._` as strings, as Go YAML decoders do, and `.5`, `1.`, `-1_0.5` as floats', () => {
    expect(parseYamlDocuments('t.yaml', Buffer.from('a: .\nb: -.\nc: ._\nd: .5\ne: 1.\nf: -1_0.5\n'))).toEqual([
      { a: '.', b: '-.', c: '._', d: 0.5, e: 1, f: -10.5 },
    ]);
    expect(parsePlainYaml('a: .\n', 10)).toEqual([{ a: '.' }]);
  });

  it('agrees on keys, including ones that are not plain strings', () => {
    for (const k of KEYS) {
      agrees(`${k}: v\nother: w\n`);
      agrees(`m: { ${k}: v }\n`);
    }
    expect(agrees('"quoted key": v\n\'single key\': w\ntoString: 2\n')).toBe(true);
  });

  it('declines __proto__, constructor and prototype keys, which the full parser refuses by path', () => {
    for (const k of ['__proto__', 'constructor', 'prototype', '"__proto__"']) {
      for (const text of [`metadata:\n  ${k}:\n    namespace: kube-system\n`, `m: { ${k}: v }\n`]) {
        expect(parsePlainYaml(text, 1000), text).toBeUndefined();
        expect(() => parseYamlDocuments('t.yaml', Buffer.from(text)), text).toThrow(/is not allowed/);
      }
    }
    expect(() => parseYamlDocuments('t.yaml', Buffer.from('a:\n  - x: 1\n    __proto__: {}\n'))).toThrow(
      /key "a\[0\]\.__proto__" is not allowed/,
    );
  });

  it('declines what it does not read: block scalars, anchors, aliases, tags, merge keys, multi-line values', () => {
    const declined = [
      'a: |\n  line\n',
      'a: >-\n  folded\n',
      'a: &x 1\nb: *x\n',
      'base: &b { x: 1 }\nc:\n  <<: *b\n',
      'a: !!str 1\n',
      'a: this is\n  continued\n',
      'a: "multi\n  line"\n',
      'a: [1,\n  2]\n',
      '%YAML 1.1\n---\na: 1\n',
      'a: 1\n...\n',
      'a:\tb\n',
      'a: 1\r\nb: 2\r\n',
      '? complex\n: key\n',
      'a: 1\na: 2\n',
      '\ufeffa: 1\n',
    ];
    for (const t of declined) expect(parsePlainYaml(t, 1000), JSON.stringify(t)).toBeUndefined();
    // …and the file still parses, through yaml.
    expect(parseYamlDocuments('f.yaml', new TextEncoder().encode('a: &x 1\nb: *x\nc: |\n  text\n'))).toStrictEqual([
      { a: 1, b: 1, c: 'text\n' },
    ]);
  });

  it('gives way to yaml for errors, which then name the file and line', () => {
    const bad = [
      'a: 1\na: 2\n',
      'a: b: c\n',
      'a:\n  - x\n  y: 1\n',
      '- a\nb: c\n',
      'a: [1, 2\n',
      'a: "x\n',
      '  a: 1\nb: 2\n',
      'a: 1\n b: 2\n',
    ];
    for (const t of bad) {
      expect(parsePlainYaml(t, 1000), JSON.stringify(t)).toBeUndefined();
      expect(() => parseYamlDocuments('bad.yaml', new TextEncoder().encode(t)), JSON.stringify(t)).toThrow(
        /bad\.yaml|invalid YAML/,
      );
    }
  });

  it('leaves the document cap to yaml', () => {
    const many = Array.from({ length: 5 }, (_, i) => `a: ${i}\n`).join('---\n');
    expect(parsePlainYaml(many, 5)).toBeUndefined();
    expect(() =>
      parseYamlDocuments('many.yaml', new TextEncoder().encode(many), {
        maxDocuments: 4,
        maxFileBytes: 1e6,
        maxAliasCount: 10,
      }),
    ).toThrow(/over the cap of 4/);
    expect(parsePlainYaml(many, 1000)).toHaveLength(5);
  });
});

/** A small seeded PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON = [
  'v1',
  'app-0',
  '80',
  'true',
  '"quoted"',
  "'single'",
  '"nginx:1.27"',
  'ghcr.io/x/y:6.1',
  '2',
  '0755',
  'yes',
  '1e3',
  '~',
  '500m',
  '"#fff"',
  '--port=9898',
  'a,b',
];

function generate(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const scalar = () => pick(r() < 0.7 ? COMMON : TRICKY);
  const key = () =>
    pick(r() < 0.8 ? ['name', 'kind', 'spec', 'app.kubernetes.io/name', 'data', 'x_y', 'a-b', 'k8s.io/v'] : KEYS);
  const flow = (depth: number): string =>
    depth > 1 || r() < 0.5
      ? scalar()
      : r() < 0.5
        ? `[${[scalar(), flow(depth + 1)].join(', ')}]`
        : `{ ${key()}: ${flow(depth + 1)}, z${depth}: ${scalar()} }`;
  const block = (indent: string, depth: number): string[] => {
    const lines: string[] = [];
    const n = 1 + Math.floor(r() * 4);
    const seq = r() < 0.3;
    for (let i = 0; i < n; i++) {
      const head = seq ? `${indent}- ` : `${indent}${key()}${i}: `;
      const c = r();
      if (c < 0.15) lines.push(`${indent}# a comment`, '');
      if (depth < 3 && c < 0.4) {
        if (seq && r() < 0.5) {
          const inner = block(`${indent}  `, depth + 1);
          lines.push(`${indent}- ${(inner[0] ?? '').trimStart()}`, ...inner.slice(1));
        } else {
          lines.push(head.trimEnd(), ...block(!seq && r() < 0.3 ? indent : `${indent}  `, depth + 1));
        }
      } else lines.push(`${head}${r() < 0.3 ? flow(0) : scalar()}${r() < 0.1 ? ' # trailing' : ''}`);
    }
    return lines;
  };
  const docs = Array.from({ length: 1 + Math.floor(r() * 3) }, () => block('', 0).join('\n'));
  return `${docs.join('\n---\n')}\n`;
}

function mutate(text: string, r: () => number): string {
  const i = Math.floor(r() * text.length);
  const chars = [' ', '\n', ':', '-', '#', '"', "'", '[', ']', '{', '}', ',', '  ', '\n  ', '&', '*', '|', '?'];
  const c = r();
  if (c < 0.4) return text.slice(0, i) + (chars[Math.floor(r() * chars.length)] ?? '') + text.slice(i);
  if (c < 0.7) return text.slice(0, i) + text.slice(i + 1);
  const lines = text.split('\n');
  const j = Math.floor(r() * lines.length);
  lines[j] = ` ${lines[j] ?? ''}`;
  return lines.join('\n');
}

describe('parsePlainYaml against yaml, generated', () => {
  it('agrees on 3,000 generated documents and never accepts a mutation yaml rejects', () => {
    const r = rng(20261128);
    let taken = 0;
    for (let n = 0; n < 3000; n++) {
      const text = generate(r);
      if (agrees(text)) taken++;
      for (let m = 0; m < 3; m++) agrees(mutate(text, r));
    }
    expect(taken).toBeGreaterThan(300);
  });
});
