import { Field, ObjectType, registerEnumType } from '@nestjs/graphql';

export const ObjectChangeEnum = { ADDED: 'ADDED', REMOVED: 'REMOVED', CHANGED: 'CHANGED' } as const;
registerEnumType(ObjectChangeEnum, {
  name: 'ObjectChange',
  description: 'How an object differs at the target revision',
});

@ObjectType('ObjectDiff', { description: 'One object that differs between the two revisions' })
export class ObjectDiffModel {
  @Field() apiVersion!: string;
  @Field() kind!: string;
  @Field(() => String, { nullable: true, description: 'null for cluster-scoped objects' }) namespace!: string | null;
  @Field() name!: string;
  @Field(() => ObjectChangeEnum) change!: keyof typeof ObjectChangeEnum;
  @Field({ description: 'Unified diff of the object as YAML with sorted keys (Secret values redacted)' }) diff!: string;
}

@ObjectType('DiffRenderError', { description: 'Why a revision could not be rendered' })
export class DiffRenderErrorModel {
  @Field({ description: 'libs/gitops render error code, e.g. INVALID_YAML' }) code!: string;
  @Field({ description: 'Repo-relative file (or folder) at fault' }) file!: string;
  @Field() reason!: string;
  @Field({ description: 'The revision that failed to render' }) revision!: string;
}

@ObjectType('ClusterDiff', {
  description: 'What a revision would change on a cluster, compared with the revision it runs',
})
export class ClusterDiffModel {
  @Field({ description: 'Cluster name' }) cluster!: string;
  @Field({ description: "The cluster's path in the fleet repository" }) path!: string;
  @Field(() => String, {
    nullable: true,
    description: 'The revision the cluster runs (applied, else desired); null when it has none yet',
  })
  fromRevision!: string | null;
  @Field({ description: 'The requested revision, as a full commit SHA' }) toRevision!: string;
  @Field(() => DiffRenderErrorModel, {
    nullable: true,
    description: 'Set when either revision fails to render; objects is then empty',
  })
  renderError!: DiffRenderErrorModel | null;
  @Field(() => [String], {
    description:
      'Render warnings of the requested revision (e.g. a patch whose target matches nothing), each naming its kustomization; empty when it fails to render',
  })
  warnings!: string[];
  @Field(() => [ObjectDiffModel], { description: 'Objects added, removed or changed; unchanged ones are left out' })
  objects!: ObjectDiffModel[];
}
