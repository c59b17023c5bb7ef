/** `images:` — rewrites container images by name: newName, newTag, digest. */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import { isPlainObject } from '../../yaml/parse-manifests.js';
import { checkKeys, optionalString } from './kustomization.js';
import type { Resource } from './resource.js';

export interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

export function parseImageRules(file: string, entries: ReadonlyArray<Record<string, unknown>>): ImageRule[] {
  return entries.map((entry, i) => {
    checkKeys(file, `images[${i}]`, entry, ['name', 'newName', 'newTag', 'digest']);
    const name = optionalString(file, `images[${i}].name`, entry['name']);
    if (!name) throw new RenderError(RenderErrorCode.InvalidKustomization, file, `images[${i}] has no name`);
    const tag = entry['newTag'];
    return {
      name,
      newName: optionalString(file, `images[${i}].newName`, entry['newName']),
      newTag: tag === undefined || tag === null ? undefined : String(tag),
      digest: optionalString(file, `images[${i}].digest`, entry['digest']),
    };
  });
}

/** Splits `registry:5000/repo/app:1.2@sha256:…` into name, tag and digest. */
export function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { name: rest, digest };
}

function rewrite(image: string, rule: ImageRule): string {
  const parts = splitImage(image);
  const name = rule.newName ?? parts.name;
  if (rule.digest) return `${name}@${rule.digest}`;
  if (rule.newTag !== undefined) return `${name}:${rule.newTag}`;
  return `${name}${parts.tag !== undefined ? `:${parts.tag}` : ''}${parts.digest !== undefined ? `@${parts.digest}` : ''}`;
}

/** The image after the first rule naming it, or undefined when none does (custom `images` field specs). */
export function rewriteImageByRules(image: string, rules: readonly ImageRule[]): string | undefined {
  const rule = rules.find((r) => r.name === splitImage(image).name);
  return rule ? rewrite(image, rule) : undefined;
}

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

/** Walks the whole object for container lists (pods, templates, CronJob job templates, custom resources). */
function visitContainers(node: unknown, visit: (container: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => visitContainers(n, visit));
  if (!isPlainObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (CONTAINER_LISTS.includes(key) && Array.isArray(value)) {
      for (const c of value) if (isPlainObject(c)) visit(c);
    } else visitContainers(value, visit);
  }
}

export function applyImages(resources: readonly Resource[], rules: readonly ImageRule[]): void {
  if (rules.length === 0) return;
  for (const res of resources) {
    visitContainers(res.obj, (container) => {
      const image = container['image'];
      if (typeof image !== 'string') return;
      const rule = rules.find((r) => r.name === splitImage(image).name);
      if (rule) container['image'] = rewrite(image, rule);
    });
  }
}
