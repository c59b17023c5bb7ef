// Server-side apply, Update ownership and merge behaviour, driven by fixture files
// (fixtures/apply/*.yaml): each runs its steps against a fresh API and checks the object
// and its managedFields.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Api } from './api.js';
import { installDeleteHooks } from './deletes.js';
import { KubeError } from './errors.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'apply');

function freshApi(): Api {
  const api = new Api();
  installDeleteHooks(api);
  const ns = api.registry.lookup('', 'v1', 'namespaces')!;
  api.commit(
    ns,
    undefined,
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } },
    { manager: 'test', dryRun: false },
  );
  return api;
}

function pick(obj: any, path: string): unknown {
  return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

describe('server-side apply fixtures', () => {
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const fx = parse(readFileSync(join(dir, file), 'utf8'));
    it(fx.name, () => {
      const api = freshApi();
      const t = api.registry.lookup(fx.resource.group, fx.resource.version, fx.resource.plural)!;
      expect(t, `resource of ${file}`).toBeDefined();
      let before: any;
      let last: any;
      for (const step of fx.steps) {
        const ns = 'default';
        const name = (step.apply ?? step.update ?? step.create)?.object?.metadata?.name ?? last?.metadata?.name;
        before = last && api.store.get(api.key(t), ns, name);
        const run = () => {
          if (step.apply)
            return api.apply(t, ns, name, step.apply.object, {
              manager: step.apply.manager,
              dryRun: false,
              force: !!step.apply.force,
            });
          if (step.create)
            return api.create(t, ns, step.create.object, { manager: step.create.manager, dryRun: false });
          if (step.update)
            return api.update(t, ns, name, step.update.object, { manager: step.update.manager, dryRun: false });
          return api.patch(t, ns, name, step.patch.type, step.patch.patch, {
            manager: step.patch.manager,
            dryRun: false,
            force: false,
          });
        };
        if (step.conflict) {
          let err: unknown;
          try {
            run();
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(KubeError);
          expect((err as KubeError).code).toBe(409);
          expect((err as KubeError).message).toBe(step.conflict);
        } else last = run();
      }
      const live = api.store.get(api.key(t), 'default', last.metadata.name);
      const ex = fx.expect;
      if (ex.unchangedByLastStep) {
        expect(live).toBe(before);
        expect(live.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      }
      for (const [k, v] of Object.entries(ex.object ?? {})) {
        if (k === 'metadata') for (const [mk, mv] of Object.entries(v as object)) expect(live.metadata[mk]).toEqual(mv);
        else expect(live[k]).toMatchObject(v as object);
      }
      for (const p of ex.absentPaths ?? []) expect(pick(live, p)).toBeUndefined();
      const managers = new Map<string, any>(
        (live.metadata.managedFields ?? []).map((m: any) => [`${m.manager}/${m.operation}`, m.fieldsV1]),
      );
      for (const [who, fields] of Object.entries(ex.managedFields ?? {}))
        expect(managers.get(who), who).toEqual(fields);
      for (const who of ex.absentManagers ?? []) expect(managers.has(who), who).toBe(false);
    });
  }
});
