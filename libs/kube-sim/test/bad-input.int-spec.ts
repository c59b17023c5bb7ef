// Bad input gets the 4xx and Status body a real API server gives, and never crashes or
// hangs the emulator.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeSim, startKubeSim } from '../src/index.js';

let sim: KubeSim;
const CM = '/api/v1/namespaces/default/configmaps';

async function call(method: string, path: string, body?: string | Buffer, contentType = 'application/json') {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    body,
    headers: body !== undefined ? { 'Content-Type': contentType } : {},
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function expectStatus(r: { status: number; body: any }, code: number, reason: string, message?: RegExp) {
  expect(r.status).toBe(code);
  expect(r.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code });
  if (message) expect(r.body.message).toMatch(message);
}

beforeAll(async () => {
  sim = await startKubeSim({ port: 0, simulate: false });
});

afterAll(async () => {
  await sim?.close();
});

describe('bad input', () => {
  it('malformed JSON and YAML bodies are 400 BadRequest', async () => {
    expectStatus(await call('POST', CM, '{"kind": "ConfigMap",'), 400, 'BadRequest', /json parse error/);
    expectStatus(await call('POST', CM, 'a: [unclosed', 'application/yaml'), 400, 'BadRequest', /YAML/);
    expectStatus(
      await call('PATCH', `${CM}/x?fieldManager=t`, 'key: [1, 2', 'application/apply-patch+yaml'),
      400,
      'BadRequest',
    );
    expectStatus(await call('POST', CM, '[1,2]'), 400, 'BadRequest', /unrecognized/);
  });

  it('__proto__, constructor and prototype keys are 400 in any body, and 422 in a JSON patch pointer', async () => {
    const hostile = '{"metadata":{"name":"h","__proto__":{"namespace":"kube-system"}},"data":{"a":"1"}}';
    expectStatus(await call('POST', CM, hostile), 400, 'BadRequest', /metadata\.__proto__.*not allowed/);
    expectStatus(
      await call(
        'PATCH',
        `${CM}/h?fieldManager=t`,
        'metadata:\n  name: h\n  constructor: {}\n',
        'application/apply-patch+yaml',
      ),
      400,
      'BadRequest',
      /metadata\.constructor/,
    );
    expect((await call('GET', `${CM}/h`)).status).toBe(404);
    expect((await call('GET', '/api/v1/namespaces/kube-system/configmaps/h')).status).toBe(404);
    await call('POST', CM, JSON.stringify({ metadata: { name: 'h2' } }));
    const patch = JSON.stringify([{ op: 'add', path: '/metadata/__proto__/namespace', value: 'kube-system' }]);
    expectStatus(await call('PATCH', `${CM}/h2`, patch, 'application/json-patch+json'), 422, 'Invalid', /__proto__/);
    expect((await call('GET', `${CM}/h2`)).body.metadata.namespace).toBe('default');
  });

  it('wrong content types are 415 listing what is accepted', async () => {
    expectStatus(await call('POST', CM, '{}', 'text/plain'), 415, 'UnsupportedMediaType', /application\/json/);
    await call('POST', CM, JSON.stringify({ metadata: { name: 'p' } }));
    expectStatus(
      await call('PATCH', `${CM}/p`, '{}', 'application/json'),
      415,
      'UnsupportedMediaType',
      /merge-patch\+json/,
    );
  });

  it('strategic merge patch on a custom resource is 415, as on a real server', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'things', kind: 'Thing' },
        versions: [{ name: 'v1', served: true, storage: true }],
      },
    };
    expect(
      (await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', JSON.stringify(crd))).status,
    ).toBe(201);
    await call(
      'POST',
      '/apis/example.com/v1/namespaces/default/things',
      JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' } }),
    );
    expectStatus(
      await call(
        'PATCH',
        '/apis/example.com/v1/namespaces/default/things/t',
        '{}',
        'application/strategic-merge-patch+json',
      ),
      415,
      'UnsupportedMediaType',
    );
  });

  it('bad values of known query parameters are 400; unknown parameters are ignored like a real server', async () => {
    expectStatus(await call('GET', `${CM}?limit=abc`), 400, 'BadRequest', /limit/);
    expectStatus(
      await call('GET', `${CM}?labelSelector=${encodeURIComponent('a in (b')}`),
      400,
      'BadRequest',
      /unable to parse requirement/,
    );
    expectStatus(
      await call('POST', `${CM}?dryRun=Some`, JSON.stringify({ metadata: { name: 'd' } })),
      400,
      'BadRequest',
      /dryRun/,
    );
    expectStatus(await call('DELETE', `${CM}/p?propagationPolicy=Sometimes`), 400, 'BadRequest', /propagationPolicy/);
    expect((await call('GET', `${CM}?frobnicate=1`)).status).toBe(200);
  });

  it('a body over 3 MiB is 413 and the server keeps serving', async () => {
    const big = JSON.stringify({ metadata: { name: 'big' }, data: { blob: 'x'.repeat(3 * 1024 * 1024 + 10) } });
    expectStatus(await call('POST', CM, big), 413, 'RequestEntityTooLarge', /limit is 3145728/);
    expect((await call('GET', '/version')).status).toBe(200);
  });

  it('invalid objects are 422 Invalid naming the field, kind mismatches 400, unknown paths 404', async () => {
    expectStatus(
      await call('POST', CM, JSON.stringify({ metadata: { name: 'Not_Valid' } })),
      422,
      'Invalid',
      /metadata.name: Invalid value: "Not_Valid"/,
    );
    expectStatus(
      await call('POST', CM, JSON.stringify({ metadata: {} })),
      422,
      'Invalid',
      /name or generateName is required/,
    );
    expectStatus(
      await call('POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } })),
      400,
      'BadRequest',
      /cannot be handled as a ConfigMap/,
    );
    expectStatus(
      await call('GET', '/apis/example.com/v1/namespaces/default/nothings'),
      404,
      'NotFound',
      /could not find the requested resource/,
    );
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'c' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    };
    expectStatus(
      await call('POST', '/apis/apps/v1/namespaces/default/deployments', JSON.stringify(dep)),
      422,
      'Invalid',
      /selector. does not match template .labels/,
    );
  });

  it('undeclared fields are dropped with a Warning header under fieldValidation=Warn and rejected under Strict', async () => {
    const body = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'warned' },
      data: { a: '1' },
      extra: true,
    });
    const res = await fetch(`${sim.url}${CM}?fieldValidation=Warn`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('warning')).toBe('299 - "unknown field \\"extra\\""');
    expect(((await res.json()) as any).extra).toBeUndefined();
    expectStatus(
      await call('POST', `${CM}?fieldValidation=Strict`, body.replace('warned', 'strict')),
      400,
      'BadRequest',
      /strict decoding error: unknown field "extra"/,
    );
  });

  it("a Secret's stringData is stored as base64 data, and data that is not base64 is a 400", async () => {
    const ok = await call(
      'POST',
      '/api/v1/namespaces/default/secrets',
      JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sd' }, stringData: { pw: 'hunter2' } }),
    );
    expect(ok.status).toBe(201);
    expect(ok.body.data).toEqual({ pw: Buffer.from('hunter2').toString('base64') });
    expect(ok.body.stringData).toBeUndefined();
    expect(ok.body.type).toBe('Opaque');
    expectStatus(
      await call(
        'POST',
        '/api/v1/namespaces/default/secrets',
        JSON.stringify({ metadata: { name: 'bad' }, data: { pw: 'not base64!' } }),
      ),
      400,
      'BadRequest',
      /illegal base64 data/,
    );
    // kustomize wraps generated data at 70 columns; like Go's decoder, the line breaks are skipped.
    const long = Buffer.from('x'.repeat(80)).toString('base64');
    const wrapped = await call(
      'POST',
      '/api/v1/namespaces/default/secrets',
      JSON.stringify({ metadata: { name: 'wrapped' }, data: { pw: `${long.slice(0, 70)}\n${long.slice(70)}` } }),
    );
    expect(wrapped.status).toBe(201);
    expect(wrapped.body.data).toEqual({ pw: long });
  });

  it('apply without a fieldManager is rejected, and a stale resourceVersion update is 409 Conflict', async () => {
    expectStatus(
      await call(
        'PATCH',
        `${CM}/p`,
        JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' } }),
        'application/apply-patch+yaml',
      ),
      422,
      'Invalid',
      /fieldManager/,
    );
    const live = (await call('GET', `${CM}/p`)).body;
    expect((await call('PUT', `${CM}/p`, JSON.stringify({ ...live, data: { a: '1' } }))).status).toBe(200);
    expectStatus(
      await call('PUT', `${CM}/p`, JSON.stringify({ ...live, data: { a: '2' } })),
      409,
      'Conflict',
      /the object has been modified/,
    );
  });

  it('a client that sends half a body and disconnects leaves the server healthy', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${sim.url}${CM}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('{"metadata":');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    expect((await call('GET', CM)).status).toBe(200);
  });
});
