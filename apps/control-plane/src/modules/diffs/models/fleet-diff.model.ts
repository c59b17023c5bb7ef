import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ClusterDiffModel } from './cluster-diff.model.js';

@ObjectType('FleetClusterDiff', { description: 'One cluster a revision changes (or fails to render for)' })
export class FleetClusterDiffModel extends ClusterDiffModel {
  @Field(() => Int, { description: 'Objects the revision adds on this cluster' }) added!: number;
  @Field(() => Int, { description: 'Objects it changes' }) changed!: number;
  @Field(() => Int, { description: 'Objects it removes' }) removed!: number;
}

@ObjectType('FleetDiff', {
  description:
    'The blast radius of a revision (a branch not merged yet too): which clusters it changes and how, each against the revision it runs',
})
export class FleetDiffModel {
  @Field({ description: 'The requested revision, as a full commit SHA' }) toRevision!: string;
  @Field(() => Int, { description: 'Participating clusters compared' }) clusters!: number;
  @Field(() => Int, { description: 'Clusters the revision leaves as they are' }) unchanged!: number;
  @Field(() => Int, { description: 'Clusters whose path fails to render (at either revision)' }) failed!: number;
  @Field(() => [FleetClusterDiffModel], {
    description: 'Clusters that change or fail to render, by name; unchanged ones are left out',
  })
  entries!: FleetClusterDiffModel[];
}
