import { Field, InputType } from '@nestjs/graphql';
import { z } from 'zod';
import { AlertEventKind } from '../alert-event.js';
import { AlertEventEnum, TargetKind, TargetKindEnum } from '../models/notification-enums.js';

@InputType()
export class CreateNotificationTargetInput {
  @Field() name!: string;
  @Field(() => TargetKindEnum) kind!: TargetKind;
  @Field({ description: 'http(s) URL; stored encrypted and never shown again' }) url!: string;
  @Field(() => String, {
    nullable: true,
    description: 'HMAC-SHA256 key for X-Flotilla-Signature (webhook only); stored encrypted',
  })
  secret?: string | null;
  @Field(() => [AlertEventEnum]) events!: AlertEventKind[];
}

export const CreateNotificationTargetSchema = z
  .object({
    name: z.string().min(1).max(100),
    kind: z.enum([TargetKind.Webhook, TargetKind.Slack]),
    url: z
      .string()
      .max(2048)
      .url()
      .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be an http or https URL'),
    secret: z.string().min(16, 'must be at least 16 characters').max(256).nullish(),
    events: z
      .array(z.enum([AlertEventKind.DriftDetected, AlertEventKind.SyncFailed, AlertEventKind.ClusterOffline]))
      .min(1)
      .max(3),
  })
  .refine((t) => t.kind === TargetKind.Webhook || !t.secret, {
    message: 'a Slack target takes no secret (Slack verifies nothing)',
    path: ['secret'],
  });
export type CreateNotificationTarget = z.infer<typeof CreateNotificationTargetSchema>;
