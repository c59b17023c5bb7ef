// A cert-manager-cainjector-like writer: every object annotated `cert-manager.io/inject-ca-from`
// (or `…-from-secret`) gets the current CA bundle written into its webhooks' `clientConfig.caBundle`
// (Validating/MutatingWebhookConfiguration) or its conversion webhook's
// `spec.conversion.webhook.clientConfig.caBundle` (a CRD with `strategy: Webhook`). Each tick is a
// CA rotation: a new bundle, written as cainjector writes it — an Update (PUT) of the whole object
// with manager `cainjector`, so managedFields show operation Update and only the caBundle fields.
import type { Api } from '../api.js';
import { storeKey } from '../registry.js';
import type { WriterTick } from './writer.js';

export const CAINJECTOR_MANAGER = 'cainjector';
export const INJECT_ANNOTATIONS = ['cert-manager.io/inject-ca-from', 'cert-manager.io/inject-ca-from-secret'];

/** A PEM certificate's shape, base64-encoded as caBundle holds it (not a real certificate). */
export function caBundle(serial: number): string {
  const body = Buffer.from(`kube-sim test CA #${serial}`).toString('base64');
  return Buffer.from(`-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`).toString('base64');
}

function injected(obj: any, bundle: string): any | undefined {
  if (obj.kind === 'CustomResourceDefinition') {
    const conv = obj.spec?.conversion;
    if (conv?.strategy !== 'Webhook' || !conv.webhook) return undefined;
    const webhook = { ...conv.webhook, clientConfig: { ...(conv.webhook.clientConfig ?? {}), caBundle: bundle } };
    return { ...obj, spec: { ...obj.spec, conversion: { ...conv, webhook } } };
  }
  if (!Array.isArray(obj.webhooks) || obj.webhooks.length === 0) return undefined;
  const webhooks = obj.webhooks.map((w: any) => ({
    ...w,
    clientConfig: { ...(w.clientConfig ?? {}), caBundle: bundle },
  }));
  return { ...obj, webhooks };
}

export function cainjectorWriter(api: Api, manager = CAINJECTOR_MANAGER): WriterTick {
  const types = [
    api.registry.lookup('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations')!,
    api.registry.lookup('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations')!,
    api.registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!,
  ];
  let serial = 0;
  return () => {
    const bundle = caBundle(++serial);
    let writes = 0;
    for (const t of types)
      for (const obj of api.store.list(storeKey(t), undefined)) {
        const a = obj.metadata.annotations ?? {};
        if (obj.metadata.deletionTimestamp || !INJECT_ANNOTATIONS.some((k) => a[k])) continue;
        const next = injected(obj, bundle);
        if (!next) continue;
        const stored = api.update(t, '', obj.metadata.name, next, { manager, dryRun: false });
        if (stored !== obj) writes++;
      }
    return writes;
  };
}
