import { registerEnumType } from '@nestjs/graphql';
import { Admission } from '../cluster.entity.js';

/** The GraphQL enum: conventional upper-case names over the stored values. */
export const AdmissionEnum = {
  ACTIVE: Admission.Active,
  AWAITING_APPROVAL: Admission.AwaitingApproval,
  SUSPENDED: Admission.Suspended,
} as const;

registerEnumType(AdmissionEnum, {
  name: 'ClusterAdmission',
  description:
    'ACTIVE: gets desired state and takes part in rollouts; AWAITING_APPROVAL: registered with a token that requires approveCluster; SUSPENDED: its agent is cut off until resumeCluster',
});

/** The API name of an admission value (ACTIVE, …), for messages. */
export const admissionName = (a: Admission): string => Object.entries(AdmissionEnum).find(([, v]) => v === a)![0];
